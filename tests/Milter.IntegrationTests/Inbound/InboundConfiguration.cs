namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// The opendkim.conf lines our daemon and the real OpenDKIM share in these tests; each side adds only how it reaches
/// the loopback DNS server (our <c>Nameservers</c>, OpenDKIM's <c>ResolverConfiguration</c>) and its socket.
/// </summary>
public static class InboundConfiguration
{
    /// <summary>DNSTimeout, in seconds: the bound a look-up that is never answered must respect.</summary>
    public const int DnsTimeoutSeconds = 2;

    /// <summary>
    /// Verify and sign (signing is never chosen: the test client is outside InternalHosts), our authserv-id, the
    /// DNS wait and OpenDKIM's log options.
    /// </summary>
    public static IReadOnlyList<string> Common { get; } =
    [
        "Mode sv",
        $"AuthservID {InboundCorpus.AuthservId}",
        $"DNSTimeout {DnsTimeoutSeconds}",
        "Syslog no",
        "LogResults yes",
        "SyslogSuccess yes",
    ];

    /// <summary>
    /// <c>dkim=none</c> for unsigned mail, so that it shows a result too. Not in <see cref="Common"/>: in OpenDKIM it
    /// also switches On-NoSignature off (see <see cref="AlwaysAddARHeaderTests"/>).
    /// </summary>
    public const string AlwaysAddARHeader = "AlwaysAddARHeader yes";

    /// <summary>The file text: <see cref="Common"/>, then the side's own lines, then the test's.</summary>
    public static string Text(IEnumerable<string> sideLines, IEnumerable<string> testLines) =>
        string.Join('\n', Common.Concat(sideLines).Concat(testLines)) + "\n";
}
