using System.Buffers;
using System.Text;

namespace Milter.Protocol.Wire;

/// <summary>
/// Reads the fields of one packet's payload. Every shortfall is a <see cref="ProtocolError.TruncatedPayload"/>
/// naming the command and the field, so a malformed packet ends its session with a precise reason.
/// </summary>
public ref struct PayloadReader
{
    private SequenceReader<byte> _reader;
    private readonly byte _command;

    /// <summary>Creates a reader over the payload of <paramref name="command"/>.</summary>
    public PayloadReader(byte command, ReadOnlySequence<byte> payload)
    {
        _command = command;
        _reader = new SequenceReader<byte>(payload);
    }

    /// <summary>Bytes not read yet.</summary>
    public readonly long Remaining => _reader.Remaining;

    /// <summary>True when everything was read.</summary>
    public readonly bool End => _reader.End;

    /// <summary>Reads one byte.</summary>
    public byte ReadByte(string field)
    {
        if (!_reader.TryRead(out byte value))
        {
            Truncated(field);
        }

        return value;
    }

    /// <summary>Reads a big-endian u32.</summary>
    public uint ReadUInt32(string field)
    {
        if (!_reader.TryReadBigEndian(out int value))
        {
            Truncated(field);
        }

        return (uint)value;
    }

    /// <summary>Reads a big-endian u16.</summary>
    public ushort ReadUInt16(string field)
    {
        if (!_reader.TryReadBigEndian(out short value))
        {
            Truncated(field);
        }

        return (ushort)value;
    }

    /// <summary>Reads bytes up to a NUL (consumed, not returned).</summary>
    public ReadOnlySequence<byte> ReadCStringBytes(string field)
    {
        if (!_reader.TryReadTo(out ReadOnlySequence<byte> value, (byte)0))
        {
            Truncated(field);
        }

        return value;
    }

    /// <summary>Reads a NUL-terminated string.</summary>
    public string ReadCString(string field, Encoding encoding) => encoding.GetString(ReadCStringBytes(field));

    /// <summary>Reads NUL-terminated strings to the end of the payload (an "argv").</summary>
    public List<string> ReadCStringList(string field, Encoding encoding)
    {
        var list = new List<string>();
        while (!_reader.End)
        {
            list.Add(ReadCString(field, encoding));
        }

        return list;
    }

    /// <summary>Returns everything not read yet.</summary>
    public ReadOnlySequence<byte> ReadRemaining()
    {
        var rest = _reader.UnreadSequence;
        _reader.AdvanceToEnd();
        return rest;
    }

    /// <summary>Fails when bytes are left over: a packet must hold exactly its fields.</summary>
    public readonly void ExpectEnd()
    {
        if (!_reader.End)
        {
            MilterProtocolException.Throw(ProtocolError.MalformedPayload,
                $"{CommandCode.Describe(_command)} has {_reader.Remaining} unexpected trailing byte(s)");
        }
    }

    private readonly void Truncated(string field) =>
        MilterProtocolException.Throw(ProtocolError.TruncatedPayload, $"{CommandCode.Describe(_command)} is truncated: missing {field}");
}
