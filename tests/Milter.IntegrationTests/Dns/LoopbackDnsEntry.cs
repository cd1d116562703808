namespace Milter.IntegrationTests.Dns;

/// <summary>One TXT record: its TTL and its strings (each at most 255 bytes).</summary>
internal sealed record LoopbackTxtRecord(uint Ttl, IReadOnlyList<byte[]> Strings);

/// <summary>What the server holds for one name.</summary>
internal sealed record LoopbackDnsEntry(
    LoopbackDnsBehaviour Behaviour,
    IReadOnlyList<LoopbackTxtRecord> Records,
    uint SoaMinimum = LoopbackDnsServer.DefaultSoaMinimum,
    string? CnameTarget = null,
    uint CnameTtl = LoopbackDnsServer.DefaultTtl,
    TimeSpan Delay = default);
