using System.Net;
using DnsClient;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Dns;

/// <summary>
/// Looks up DKIM keys (TXT at <c>selector._domainkey.domain</c>) for the whole daemon: one instance, one cache.
/// A look-up, retries and TCP fallback included, ends within the configured timeout (OpenDKIM's DNSTimeout);
/// a server that never answers costs that long and gives a temporary failure, never a hang.
/// </summary>
internal sealed class DnsKeyResolver : IDkimKeyResolver, IDisposable
{
    private readonly TxtQuery _query;
    private readonly KeyRecordCache _cache;

    public DnsKeyResolver(DnsKeyResolverSettings settings, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.Timeout, TimeSpan.Zero, nameof(settings));
        var servers = settings.Nameservers.Count > 0 ? [.. settings.Nameservers] : SystemNameservers();
        _query = new TxtQuery(servers, settings.Timeout, timeProvider);
        _cache = new KeyRecordCache(timeProvider, settings.CacheCapacity);
    }

    /// <summary>The servers asked, in order (from Nameservers, or else from /etc/resolv.conf).</summary>
    public IReadOnlyList<IPEndPoint> Nameservers => _query.Nameservers;

    /// <summary>The shared cache (exposed for tests and diagnostics).</summary>
    public KeyRecordCache Cache => _cache;

    /// <inheritdoc/>
    public Task<KeyLookupResult> LookupAsync(string selector, string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(domain);
        ObjectDisposedException.ThrowIf(_query.IsStopping, this);

        var name = $"{selector}._domainkey.{domain.TrimEnd('.')}";
        // The fetch is shared by every message waiting for the same name, so no one message's token stops it.
        return _cache.GetOrFetchAsync(name, () => _query.QueryAsync(name), cancellationToken);
    }

    /// <summary>Stops queries in flight (they end as temporary failures); later look-ups throw.</summary>
    public void Dispose() => _query.Dispose();

    private static IPEndPoint[] SystemNameservers()
    {
        var servers = NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false)
            .Select(s => new IPEndPoint(IPAddress.Parse(s.Address), s.Port))
            .ToArray();
        return servers.Length > 0
            ? servers
            : throw new InvalidOperationException("No name server is configured in /etc/resolv.conf; set Nameservers in the configuration.");
    }
}
