using System.Buffers;
using Milter.Fuzzing.Support;
using Milter.Protocol;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.Fuzzing.Targets;

/// <summary>
/// Packet framing and both decoders: the input is a byte stream; every complete packet is decoded as a command
/// (what the milter reads) and as a reply (what <c>MilterClient</c> reads). Properties checked on the way: the
/// stream cut into small segments frames and decodes exactly as in one piece, and a decoded command written
/// back out and decoded again writes the same bytes (decode/encode is stable after one pass).
/// </summary>
public sealed class PacketDecoderTarget : IFuzzTarget
{
    private const int MaxPacketLength = MilterFraming.DefaultMaxPacketLength;

    /// <inheritdoc />
    public string Name => "packet";

    /// <inheritdoc />
    public string EntryPoint => "MilterFraming.TryReadPacket + CommandCodec.Decode/Write + ReplyCodec.Decode";

    /// <inheritdoc />
    public IReadOnlyList<Type> BadInputExceptions { get; } = [typeof(MilterProtocolException)];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        var whole = Decode(new ReadOnlySequence<byte>(bytes));
        // Segment lengths from the input itself, so the fuzzer steers where the cuts fall.
        var cuts = bytes.Select(b => 1 + (b % 7));
        var segmented = Decode(Segments.Split(bytes, cuts));
        FuzzPropertyException.Check(whole.SequenceEqual(segmented), "framing and decoding depend on how the stream is segmented");
        if (whole.Count > 0 && whole[^1].StartsWith("error:", StringComparison.Ordinal))
        {
            // The same verdict either way; now let the bad-input exception out, as the session would see it.
            Decode(new ReadOnlySequence<byte>(bytes), rethrow: true);
        }
    }

    /// <summary>One line per packet (its re-encoded command or the error), then "error: ..." if one ended it.</summary>
    private static List<string> Decode(ReadOnlySequence<byte> buffer, bool rethrow = false)
    {
        var outcome = new List<string>();
        try
        {
            while (MilterFraming.TryReadPacket(ref buffer, MaxPacketLength, out byte code, out var payload))
            {
                DecodeAsReply(code, payload);
                var command = CommandCodec.Decode(code, payload);
                var encoded = Encode(command);
                var again = ReadSinglePacket(encoded);
                var reencoded = Encode(CommandCodec.Decode(again.Code, again.Payload));
                FuzzPropertyException.Check(encoded.AsSpan().SequenceEqual(reencoded),
                    $"{CommandCode.Describe(code)}: encode(decode(encode(decode(x)))) differs from encode(decode(x))");
                outcome.Add(Convert.ToHexString(encoded));
            }
        }
        catch (MilterProtocolException ex) when (!rethrow)
        {
            outcome.Add($"error: {ex.Error} {ex.Message}");
        }

        return outcome;
    }

    private static void DecodeAsReply(byte code, ReadOnlySequence<byte> payload)
    {
        try
        {
            ReplyCodec.Decode(code, payload);
        }
        catch (MilterProtocolException)
        {
            // Most commands are not replies: only crashes matter here.
        }
    }

    private static byte[] Encode(MilterCommand command)
    {
        var writer = new ArrayBufferWriter<byte>();
        CommandCodec.Write(writer, command);
        return writer.WrittenSpan.ToArray();
    }

    private static (byte Code, ReadOnlySequence<byte> Payload) ReadSinglePacket(byte[] packet)
    {
        var buffer = new ReadOnlySequence<byte>(packet);
        FuzzPropertyException.Check(MilterFraming.TryReadPacket(ref buffer, int.MaxValue, out byte code, out var payload) && buffer.IsEmpty,
            "an encoded command is not exactly one packet");
        return (code, payload);
    }
}
