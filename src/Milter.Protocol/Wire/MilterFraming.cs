using System.Buffers;
using System.Buffers.Binary;

namespace Milter.Protocol.Wire;

/// <summary>
/// Milter packet framing: a big-endian u32 length that counts the command byte, the command byte, then
/// length - 1 bytes of payload. The same format is used in both directions.
/// </summary>
public static class MilterFraming
{
    /// <summary>Bytes of the length field.</summary>
    public const int LengthFieldSize = 4;

    /// <summary>The default cap on a packet's length field: 1 MiB. Postfix sends at most 65536 for body chunks
    /// and one packet per header (header_size_limit 102400 by default).</summary>
    public const int DefaultMaxPacketLength = 1024 * 1024;

    /// <summary>
    /// Reads one packet from the front of <paramref name="buffer"/>. Returns false, consuming nothing, when the
    /// packet is not complete yet. The length is checked before waiting for the payload, so a garbage length
    /// (a stray "post" on the socket reads as 1886352244) fails at once instead of waiting or allocating.
    /// </summary>
    /// <exception cref="MilterProtocolException">The length field is zero or above <paramref name="maxPacketLength"/>.</exception>
    public static bool TryReadPacket(ref ReadOnlySequence<byte> buffer, int maxPacketLength, out byte command, out ReadOnlySequence<byte> payload)
    {
        command = 0;
        payload = default;
        if (buffer.Length < LengthFieldSize)
        {
            return false;
        }

        uint length = ReadLength(buffer);
        if (length == 0)
        {
            MilterProtocolException.Throw(ProtocolError.ZeroLength, "packet length is 0");
        }

        if (length > (uint)maxPacketLength)
        {
            MilterProtocolException.Throw(ProtocolError.PacketTooLarge, $"packet length {length} exceeds the limit of {maxPacketLength}");
        }

        if (buffer.Length - LengthFieldSize < length)
        {
            return false;
        }

        var packet = buffer.Slice(LengthFieldSize, length);
        command = packet.FirstSpan.Length > 0 ? packet.FirstSpan[0] : FirstByte(packet);
        payload = packet.Slice(1);
        buffer = buffer.Slice(packet.End);
        return true;
    }

    /// <summary>Writes one packet: length, command, payload.</summary>
    public static void WritePacket(IBufferWriter<byte> writer, byte command, ReadOnlySpan<byte> payload)
    {
        var span = writer.GetSpan(LengthFieldSize + 1 + payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(payload.Length + 1));
        span[LengthFieldSize] = command;
        payload.CopyTo(span[(LengthFieldSize + 1)..]);
        writer.Advance(LengthFieldSize + 1 + payload.Length);
    }

    /// <summary>
    /// Starts a packet whose payload is <paramref name="payloadLength"/> bytes and returns a writer for exactly
    /// that payload; call <see cref="PayloadWriter.Complete"/> when done.
    /// </summary>
    public static PayloadWriter BeginPacket(IBufferWriter<byte> writer, byte command, int payloadLength)
    {
        int total = LengthFieldSize + 1 + payloadLength;
        var span = writer.GetSpan(total)[..total];
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(payloadLength + 1));
        span[LengthFieldSize] = command;
        return new PayloadWriter(writer, span, LengthFieldSize + 1);
    }

    private static uint ReadLength(ReadOnlySequence<byte> buffer)
    {
        if (buffer.FirstSpan.Length >= LengthFieldSize)
        {
            return BinaryPrimitives.ReadUInt32BigEndian(buffer.FirstSpan);
        }

        Span<byte> bytes = stackalloc byte[LengthFieldSize];
        buffer.Slice(0, LengthFieldSize).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private static byte FirstByte(ReadOnlySequence<byte> packet)
    {
        var reader = new SequenceReader<byte>(packet);
        reader.TryRead(out byte value);
        return value;
    }
}
