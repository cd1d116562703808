using System.Net;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Dns;

/// <summary>
/// Looks up the TXT records at any name (a domain's SPF record, <c>_dmarc.DOMAIN</c>), for the tools; the milter's
/// key look-ups go through <see cref="DnsKeyResolver"/>, which only asks for <c>selector._domainkey.domain</c> and
/// caches. The same <see cref="TxtQuery"/> does the asking, so NXDOMAIN, no TXT, SERVFAIL and timeouts mean the
/// same here as for a key. Results are <see cref="KeyLookupResult"/> values (found records, not found, temporary
/// failure) although the records need not be keys. No cache: a tool asks each name once.
/// </summary>
internal sealed class TxtRecordResolver : IDisposable
{
    private readonly TxtQuery _query;

    /// <summary>Asks <paramref name="servers"/> (e.g. <see cref="DnsKeyResolver.Nameservers"/>), each look-up ending within <paramref name="timeout"/>.</summary>
    public TxtRecordResolver(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout) =>
        _query = new TxtQuery(servers, timeout, TimeProvider.System);

    /// <summary>The TXT records at <paramref name="name"/>, each with its strings joined without separator.</summary>
    public async Task<KeyLookupResult> LookupAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        return (await _query.QueryAsync(name.TrimEnd('.'), cancellationToken).ConfigureAwait(false)).Result;
    }

    public void Dispose() => _query.Dispose();
}
