namespace Milter.IntegrationTests.Dns;

/// <summary>One TXT record: its TTL and its strings (each at most 255 bytes).</summary>
internal sealed record LoopbackTxtRecord(uint Ttl, IReadOnlyList<byte[]> Strings);

/// <summary>
/// What the server holds for one name. Beyond the behaviour: <see cref="Delay"/> before each answer,
/// <see cref="Hold"/> (answers wait until it completes), <see cref="TruncateOverUdp"/> (every UDP answer is empty
/// with TC set, whatever its size) and a <see cref="Forgery"/> sent before the real UDP answer.
/// </summary>
internal sealed record LoopbackDnsEntry(
    LoopbackDnsBehaviour Behaviour,
    IReadOnlyList<LoopbackTxtRecord> Records,
    uint SoaMinimum = LoopbackDnsServer.DefaultSoaMinimum,
    string? CnameTarget = null,
    uint CnameTtl = LoopbackDnsServer.DefaultTtl,
    TimeSpan Delay = default,
    Task? Hold = null,
    bool TruncateOverUdp = false,
    LoopbackDnsForgery Forgery = LoopbackDnsForgery.None,
    IReadOnlyList<LoopbackTxtRecord>? ForgedRecords = null);
