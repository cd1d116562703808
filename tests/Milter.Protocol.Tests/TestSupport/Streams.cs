using System.Buffers;
using System.IO.Pipelines;

namespace Milter.Protocol.Tests.TestSupport;

/// <summary>An <see cref="IDuplexPipe"/> from two halves.</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}

/// <summary>A stream that reads from one stream and writes to another (the MTA's end of an in-memory socket).</summary>
internal sealed class DuplexStream(Stream readFrom, Stream writeTo) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => readFrom.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        readFrom.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        readFrom.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => writeTo.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        writeTo.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        writeTo.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => writeTo.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => writeTo.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            readFrom.Dispose();
            writeTo.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// The milter's end of an in-memory socket: every Write call is recorded (one entry per write, like one send(2))
/// and forwarded to <paramref name="target"/>, where the MTA side reads it.
/// </summary>
internal sealed class RecordingStream(PipeWriter target) : Stream
{
    private readonly Lock _lock = new();
    private readonly List<byte[]> _writes = [];
    private int _flushes;

    public IReadOnlyList<byte[]> Writes
    {
        get
        {
            lock (_lock)
            {
                return [.. _writes];
            }
        }
    }

    public int Flushes => Volatile.Read(ref _flushes);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Record(buffer);
        target.Write(buffer);
        target.FlushAsync().AsTask().GetAwaiter().GetResult();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Recorded before it becomes readable: once the MTA side has a reply, the write that carried it is listed.
        Record(buffer.Span);
        await target.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => Interlocked.Increment(ref _flushes);

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _flushes);
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Record(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            _writes.Add(bytes.ToArray());
        }
    }
}
