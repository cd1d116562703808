using System.Buffers;
using System.IO.Pipelines;
using Milter.Protocol;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Server;
using Milter.Protocol.Wire;

namespace Milter.Fuzzing.Support;

/// <summary>
/// Runs a whole <see cref="MilterSession"/> over bytes: the input is everything the MTA sends (then it closes),
/// the output everything the milter answered. No socket, no thread of its own: the session runs to its end on
/// the caller's thread as far as the handler allows.
/// </summary>
public static class InMemorySession
{
    /// <summary>Serves <paramref name="input"/> with <paramref name="handler"/> and returns the bytes written back.</summary>
    public static byte[] Run(ReadOnlyMemory<byte> input, IMilterHandler handler, ProblemLogger log)
    {
        var output = new MemoryStream();
        var transport = new Transport(
            PipeReader.Create(new ReadOnlySequence<byte>(input)),
            PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true)));
        var session = new MilterSession(transport, handler, sessionId: 1, peer: "fuzz", logger: log);
        session.RunAsync().GetAwaiter().GetResult();
        return output.ToArray();
    }

    /// <summary>
    /// Decodes what the milter wrote: it must be whole, well-formed reply packets, whatever the MTA sent (a
    /// milter that answers garbage breaks the MTA's side of the connection).
    /// </summary>
    public static List<MilterReply> ReadReplies(byte[] output)
    {
        var replies = new List<MilterReply>();
        var buffer = new ReadOnlySequence<byte>(output);
        try
        {
            while (MilterFraming.TryReadPacket(ref buffer, int.MaxValue, out byte code, out var payload))
            {
                replies.Add(ReplyCodec.Decode(code, payload));
            }
        }
        catch (MilterProtocolException ex)
        {
            throw new FuzzPropertyException($"the milter wrote a reply it cannot read back: {ex.Message}");
        }

        FuzzPropertyException.Check(buffer.IsEmpty, $"the milter's output ends inside a packet ({buffer.Length} byte(s) left)");
        return replies;
    }

    private sealed class Transport(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
