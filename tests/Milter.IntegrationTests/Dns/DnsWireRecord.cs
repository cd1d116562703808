using System.Buffers.Binary;

namespace Milter.IntegrationTests.Dns;

/// <summary>One resource record to put in a response: owner name, type, TTL and the RDATA bytes.</summary>
internal sealed record DnsWireRecord(string Name, ushort Type, uint Ttl, byte[] Data)
{
    public const ushort TypeCname = 5;
    public const ushort TypeSoa = 6;

    public static DnsWireRecord Txt(string name, uint ttl, IReadOnlyList<byte[]> strings)
    {
        var data = new List<byte>();
        foreach (var text in strings)
        {
            data.Add((byte)text.Length);
            data.AddRange(text);
        }

        return new DnsWireRecord(name, DnsWireQuery.TypeTxt, ttl, [.. data]);
    }

    public static DnsWireRecord Cname(string name, uint ttl, string target) =>
        new(name, TypeCname, ttl, DnsWireResponse.EncodeName(target));

    /// <summary>An SOA whose TTL and MINIMUM are both <paramref name="minimum"/>, as a zone's negative TTL.</summary>
    public static DnsWireRecord Soa(string zone, uint minimum)
    {
        var data = new List<byte>();
        data.AddRange(DnsWireResponse.EncodeName("ns." + zone));
        data.AddRange(DnsWireResponse.EncodeName("hostmaster." + zone));
        Span<byte> numbers = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(numbers, 2024010101);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[4..], 3600);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[8..], 600);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[12..], 86400);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[16..], minimum);
        data.AddRange(numbers.ToArray());
        return new DnsWireRecord(zone, TypeSoa, minimum, [.. data]);
    }
}
