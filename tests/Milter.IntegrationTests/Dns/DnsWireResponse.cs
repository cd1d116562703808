using System.Buffers.Binary;
using System.Text;

namespace Milter.IntegrationTests.Dns;

/// <summary>Writes a response to a <see cref="DnsWireQuery"/>, truncating it (TC) when it exceeds a size limit.</summary>
internal static class DnsWireResponse
{
    public const int RcodeNoError = 0;
    public const int RcodeServFail = 2;
    public const int RcodeNxDomain = 3;
    public const int RcodeRefused = 5;

    /// <summary>
    /// The response bytes. With <paramref name="sizeLimit"/> set (UDP) and exceeded, the answer and authority
    /// sections are dropped and TC is set, which tells the client to ask again over TCP (RFC 1035 4.2.1, RFC 7766).
    /// <paramref name="ednsPayloadSize"/> non-null adds an OPT record advertising it (a reply to an EDNS query).
    /// </summary>
    public static byte[] Build(
        DnsWireQuery query,
        int rcode,
        IReadOnlyList<DnsWireRecord> answers,
        IReadOnlyList<DnsWireRecord> authority,
        int? ednsPayloadSize,
        int? sizeLimit)
    {
        var full = Write(query, rcode, answers, authority, ednsPayloadSize, truncated: false);
        return sizeLimit is { } limit && full.Length > limit
            ? Write(query, rcode, [], [], ednsPayloadSize, truncated: true)
            : full;
    }

    public static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var labelBytes = Encoding.ASCII.GetBytes(label);
            bytes.Add((byte)labelBytes.Length);
            bytes.AddRange(labelBytes);
        }

        bytes.Add(0);
        return [.. bytes];
    }

    private static byte[] Write(
        DnsWireQuery query,
        int rcode,
        IReadOnlyList<DnsWireRecord> answers,
        IReadOnlyList<DnsWireRecord> authority,
        int? ednsPayloadSize,
        bool truncated)
    {
        using var stream = new MemoryStream();
        // QR, the query's opcode and RD, AA and RA (we pretend to be an authoritative, recursive server), TC, RCODE.
        var flags = 0x8000 | (query.Flags & 0x7800) | 0x0400 | (query.Flags & 0x0100) | 0x0080 | (rcode & 0xF);
        if (truncated)
        {
            flags |= 0x0200;
        }

        WriteUInt16(stream, query.Id);
        WriteUInt16(stream, (ushort)flags);
        WriteUInt16(stream, 1);
        WriteUInt16(stream, (ushort)answers.Count);
        WriteUInt16(stream, (ushort)authority.Count);
        WriteUInt16(stream, (ushort)(ednsPayloadSize is null ? 0 : 1));
        stream.Write(query.QuestionBytes);
        foreach (var record in answers.Concat(authority))
        {
            stream.Write(EncodeName(record.Name));
            WriteUInt16(stream, record.Type);
            WriteUInt16(stream, 1);
            WriteUInt32(stream, record.Ttl);
            WriteUInt16(stream, (ushort)record.Data.Length);
            stream.Write(record.Data);
        }

        if (ednsPayloadSize is { } size)
        {
            // OPT: root name, type 41, CLASS = our UDP payload size, TTL = extended RCODE/version/flags (all 0).
            stream.WriteByte(0);
            WriteUInt16(stream, DnsWireQuery.TypeOpt);
            WriteUInt16(stream, (ushort)size);
            WriteUInt32(stream, 0);
            WriteUInt16(stream, 0);
        }

        return stream.ToArray();
    }

    private static void WriteUInt16(Stream stream, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }
}
