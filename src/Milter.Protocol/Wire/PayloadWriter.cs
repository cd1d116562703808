using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Milter.Protocol.Wire;

/// <summary>
/// Fills the payload of a packet started with <see cref="MilterFraming.BeginPacket"/>. The caller computed the
/// exact payload length up front; <see cref="Complete"/> checks that it was filled exactly.
/// </summary>
public ref struct PayloadWriter
{
    private readonly IBufferWriter<byte> _writer;
    private readonly Span<byte> _packet;
    private int _position;

    internal PayloadWriter(IBufferWriter<byte> writer, Span<byte> packet, int position)
    {
        _writer = writer;
        _packet = packet;
        _position = position;
    }

    /// <summary>Writes one byte.</summary>
    public void WriteByte(byte value) => _packet[_position++] = value;

    /// <summary>Writes a big-endian u32.</summary>
    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_packet[_position..], value);
        _position += 4;
    }

    /// <summary>Writes a big-endian u16.</summary>
    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_packet[_position..], value);
        _position += 2;
    }

    /// <summary>Writes raw bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_packet[_position..]);
        _position += bytes.Length;
    }

    /// <summary>Writes raw bytes followed by a NUL.</summary>
    public void WriteCString(ReadOnlySpan<byte> bytes)
    {
        WriteBytes(bytes);
        WriteByte(0);
    }

    /// <summary>Writes a string in <paramref name="encoding"/> followed by a NUL.</summary>
    public void WriteCString(string value, Encoding encoding)
    {
        _position += encoding.GetBytes(value, _packet[_position..]);
        WriteByte(0);
    }

    /// <summary>Commits the packet to the underlying writer.</summary>
    public readonly void Complete()
    {
        if (_position != _packet.Length)
        {
            throw new InvalidOperationException($"payload length mismatch: wrote {_position} of {_packet.Length} bytes");
        }

        _writer.Advance(_packet.Length);
    }
}
