using System.Net;
using Milter.Configuration;

namespace Milter.Daemon.Dns;

/// <summary>
/// What the key resolver needs from the configuration: OpenDKIM's <c>Nameservers</c> (empty = the servers in
/// /etc/resolv.conf) and <c>DNSTimeout</c> (the limit for one whole look-up, retries included).
/// </summary>
internal sealed record DnsKeyResolverSettings(
    IReadOnlyList<IPEndPoint> Nameservers,
    TimeSpan Timeout,
    int CacheCapacity = KeyRecordCache.DefaultCapacity)
{
    /// <summary>OpenDKIM's default DNSTimeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The system's name servers and OpenDKIM's default timeout.</summary>
    public static DnsKeyResolverSettings Default { get; } = new([], DefaultTimeout);

    /// <summary>
    /// The settings of <paramref name="config"/>'s Nameservers and DNSTimeout. Throws <see cref="FormatException"/>,
    /// <see cref="ConfigurationException"/> or <see cref="OverflowException"/> for a value that does not parse.
    /// </summary>
    public static DnsKeyResolverSettings FromConfiguration(ConfigFile config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int? timeout = config.Find("DNSTimeout") is null ? null : (int)config.GetInteger("DNSTimeout", 5);
        return FromConfiguration(config.GetString("Nameservers"), timeout);
    }

    /// <summary>
    /// Builds the settings from the configuration values as written: <paramref name="nameservers"/> is the
    /// Nameservers value (null when absent; see <see cref="NameserverList.Parse"/>), <paramref name="dnsTimeoutSeconds"/>
    /// the DNSTimeout value (null when absent).
    /// </summary>
    public static DnsKeyResolverSettings FromConfiguration(string? nameservers, int? dnsTimeoutSeconds)
    {
        if (dnsTimeoutSeconds is <= 0)
        {
            // OpenDKIM gives 0 no useful meaning; waiting forever would stall every message on a dead server.
            throw new FormatException($"DNSTimeout must be a positive number of seconds, not {dnsTimeoutSeconds}.");
        }

        return new DnsKeyResolverSettings(
            nameservers is null ? [] : NameserverList.Parse(nameservers),
            dnsTimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultTimeout);
    }
}
