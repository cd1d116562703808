using System.IO.Pipelines;
using Milter.Protocol.Client;
using Milter.Protocol.Handling;
using Milter.Protocol.Server;

namespace Milter.Fuzzing.Support;

/// <summary>
/// Records what an MTA sends in a real conversation: <see cref="MilterClient"/> (which behaves like Postfix:
/// it leaves out the steps and replies the milter negotiated away) talks to a <see cref="MilterSession"/> with
/// the given handler over in-memory pipes, and every byte the client writes is kept. Those bytes are the seed
/// corpus of the session targets: realistic streams the fuzzer then mutates.
/// </summary>
public static class SessionRecorder
{
    /// <summary>Runs <paramref name="conversation"/> and returns the bytes the client sent.</summary>
    public static async Task<byte[]> RecordAsync(IMilterHandler handler, Func<MilterClient, Task> conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var toMilter = new Pipe();
        var toMta = new Pipe();
        var session = new MilterSession(new Transport(toMilter.Reader, toMta.Writer), handler, sessionId: 1, peer: "recorder");
        var serving = Task.Run(() => session.RunAsync());
        var recorded = new MemoryStream();
        var stream = new RecordingStream(toMta.Reader.AsStream(), toMilter.Writer.AsStream(), recorded);
        await using (var client = new MilterClient(stream))
        {
            await conversation(client).ConfigureAwait(false);
        }

        await toMilter.Writer.CompleteAsync().ConfigureAwait(false);
        await serving.ConfigureAwait(false);
        return recorded.ToArray();
    }

    private sealed class Transport(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>Reads from one stream, writes to another, and keeps a copy of what was written.</summary>
    private sealed class RecordingStream(Stream input, Stream output, Stream copy) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => output.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            input.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count)
        {
            copy.Write(buffer, offset, count);
            output.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            copy.Write(buffer.Span);
            await output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
