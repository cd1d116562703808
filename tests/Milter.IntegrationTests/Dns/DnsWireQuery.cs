using System.Buffers.Binary;
using System.Text;

namespace Milter.IntegrationTests.Dns;

/// <summary>
/// A DNS query as <see cref="LoopbackDnsServer"/> reads it: header, the one question, and the OPT record's UDP
/// payload size when the client used EDNS (RFC 6891).
/// </summary>
internal sealed record DnsWireQuery(ushort Id, ushort Flags, string Name, ushort Type, byte[] QuestionBytes, int? EdnsPayloadSize)
{
    public const ushort TypeTxt = 16;
    public const ushort TypeOpt = 41;

    /// <summary>Parses <paramref name="packet"/>; null when it is not a query with exactly one question.</summary>
    public static DnsWireQuery? TryParse(ReadOnlySpan<byte> packet)
    {
        try
        {
            return Parse(packet);
        }
        catch (IndexOutOfRangeException)
        {
            return null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static DnsWireQuery? Parse(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 12)
        {
            return null;
        }

        var id = BinaryPrimitives.ReadUInt16BigEndian(packet);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        var questions = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var otherRecords = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) + BinaryPrimitives.ReadUInt16BigEndian(packet[8..]);
        var additional = BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);
        if ((flags & 0x8000) != 0 || questions != 1)
        {
            return null;
        }

        var offset = 12;
        var name = ReadName(packet, ref offset);
        var type = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
        offset += 4;
        var questionBytes = packet[12..offset].ToArray();

        for (var i = 0; i < otherRecords; i++)
        {
            SkipRecord(packet, ref offset, out _, out _);
        }

        int? ednsPayloadSize = null;
        for (var i = 0; i < additional; i++)
        {
            SkipRecord(packet, ref offset, out var recordType, out var recordClass);
            if (recordType == TypeOpt)
            {
                // The OPT record's CLASS field carries the requester's UDP payload size.
                ednsPayloadSize = recordClass;
            }
        }

        return new DnsWireQuery(id, flags, name, type, questionBytes, ednsPayloadSize);
    }

    private static void SkipRecord(ReadOnlySpan<byte> packet, ref int offset, out ushort type, out ushort recordClass)
    {
        ReadName(packet, ref offset);
        type = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
        recordClass = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
        var dataLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 8)..]);
        offset += 10 + dataLength;
    }

    // Lower-cased, without the trailing dot; compression pointers are followed (clients rarely use them in queries).
    private static string ReadName(ReadOnlySpan<byte> packet, ref int offset)
    {
        var labels = new List<string>();
        var position = offset;
        var jumped = false;
        for (var hops = 0; hops < 64; hops++)
        {
            var length = packet[position];
            if (length == 0)
            {
                if (!jumped)
                {
                    offset = position + 1;
                }

                return string.Join('.', labels).ToLowerInvariant();
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (!jumped)
                {
                    offset = position + 2;
                }

                jumped = true;
                position = ((length & 0x3F) << 8) | packet[position + 1];
                continue;
            }

            labels.Add(Encoding.ASCII.GetString(packet.Slice(position + 1, length)));
            position += 1 + length;
        }

        throw new ArgumentOutOfRangeException(nameof(packet), "compression loop in a query name");
    }
}
