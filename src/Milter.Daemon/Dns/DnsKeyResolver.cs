using System.Globalization;
using System.Net;
using System.Net.Sockets;
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
    // Every server is asked at most twice, in turn (as resolv.conf's "attempts:2" does), each try getting an equal
    // share of the timeout, so one lost datagram or one dead server does not use up the whole look-up.
    private const int Rounds = 2;

    // Below this a try would time out on an ordinary round trip to a distant resolver.
    private static readonly TimeSpan MinimumTryTimeout = TimeSpan.FromMilliseconds(200);

    private readonly LookupClient _client;
    private readonly NameServer[][] _servers;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _tryTimeout;
    private readonly KeyRecordCache _cache;
    private readonly CancellationTokenSource _stopping = new();

    public DnsKeyResolver(DnsKeyResolverSettings settings, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.Timeout, TimeSpan.Zero, nameof(settings));

        Nameservers = settings.Nameservers.Count > 0 ? [.. settings.Nameservers] : SystemNameservers();
        _servers = [.. Nameservers.Select(endPoint => new[] { new NameServer(endPoint) })];
        _timeProvider = timeProvider;
        _timeout = settings.Timeout;
        _tryTimeout = settings.Timeout / (Rounds * _servers.Length);
        if (_tryTimeout < MinimumTryTimeout)
        {
            _tryTimeout = MinimumTryTimeout;
        }

        _cache = new KeyRecordCache(timeProvider, settings.CacheCapacity);
        _client = new LookupClient(new LookupClientOptions([.. _servers.Select(s => s[0])])
        {
            // Our cache is the one that counts: it is shared, bounded, and never keeps temporary failures.
            UseCache = false,
            // Retries, server order and time limits are ours (see QueryAsync), so the whole look-up has one limit:
            // left to itself DnsClient gives each try the full Timeout, makes Retries + 1 tries per server (15 s on
            // a dead server with its defaults), repeats SERVFAIL on the same server and takes NXDOMAIN to the next.
            Retries = 0,
            Timeout = Timeout.InfiniteTimeSpan,
            UseRandomNameServer = false,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
            ThrowDnsErrors = false,
            // EDNS with a 4096-byte buffer (DnsClient's default) carries a 4096-bit RSA key in one datagram;
            // a server with a smaller buffer sets TC and the query is repeated over TCP.
            UseTcpFallback = true,
            Recursion = true,
        });
    }

    /// <summary>The servers asked, in order (from Nameservers, or else from /etc/resolv.conf).</summary>
    public IReadOnlyList<IPEndPoint> Nameservers { get; }

    /// <summary>The shared cache (exposed for tests and diagnostics).</summary>
    public KeyRecordCache Cache => _cache;

    /// <inheritdoc/>
    public Task<KeyLookupResult> LookupAsync(string selector, string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(domain);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);

        var name = $"{selector}._domainkey.{domain.TrimEnd('.')}";
        return _cache.GetOrFetchAsync(name, () => QueryAsync(name), cancellationToken);
    }

    /// <summary>Stops queries in flight (they end as temporary failures); later look-ups throw.</summary>
    public void Dispose()
    {
        // Cancelled, not disposed: a query starting at this moment may still read its token, and a source without
        // a timer holds nothing that needs releasing.
        _stopping.Cancel();
    }

    private async Task<CacheableAnswer> QueryAsync(string name)
    {
        // An empty or over-long label cannot be asked at all (DnsClient would send a malformed query for an empty
        // one), and asking again will not change that.
        var question = TryMakeQuestion(name);
        if (question is null)
        {
            return CacheableAnswer.Uncached(KeyLookupResult.NotFound($"{name} is not a valid DNS name"));
        }

        using var deadline = new CancellationTokenSource(_timeout, _timeProvider);
        using var lookup = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _stopping.Token);
        var failures = new List<string>();
        var timedOut = false;

        for (var round = 0; round < Rounds; round++)
        {
            for (var i = 0; i < _servers.Length && !lookup.IsCancellationRequested; i++)
            {
                var (server, endPoint) = (_servers[i], Nameservers[i]);
                using var attempt = new CancellationTokenSource(_tryTimeout, _timeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(attempt.Token, lookup.Token);
                try
                {
                    var response = await _client.QueryServerAsync(server, question, linked.Token);
                    var outcome = DnsAnswerReader.Read(response, endPoint);
                    if (outcome.Answer is { } answer)
                    {
                        return answer;
                    }

                    AddOnce(failures, outcome.Failure!);
                }
                catch (Exception ex) when (IsQueryFailure(ex))
                {
                    // DnsClient reports a cancelled or timed-out try as a DnsResponseException; our tokens say which.
                    if (linked.IsCancellationRequested)
                    {
                        timedOut = true;
                    }
                    else
                    {
                        AddOnce(failures, $"{Describe(ex)} talking to {endPoint}");
                    }
                }
            }
        }

        if (_stopping.IsCancellationRequested)
        {
            return CacheableAnswer.Uncached(KeyLookupResult.TemporaryFailure("the resolver is shutting down"));
        }

        if (timedOut)
        {
            failures.Add($"timed out after {_timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
        }

        return CacheableAnswer.Uncached(KeyLookupResult.TemporaryFailure(string.Join("; ", failures)));
    }

    private static DnsQuestion? TryMakeQuestion(string name)
    {
        if (!IsValidName(name))
        {
            return null;
        }

        try
        {
            return new DnsQuestion(name, QueryType.TXT);
        }
        catch (ArgumentException)
        {
            // DnsClient's own checks, e.g. on an internationalized label that does not convert.
            return null;
        }
    }

    // RFC 1035 2.3.4: labels of 1 to 63 octets, at most 255 octets on the wire (253 characters written out).
    private static bool IsValidName(string name) =>
        name.Length <= 253 && name.Split('.').All(label => label.Length is > 0 and <= 63);

    private static void AddOnce(List<string> failures, string failure)
    {
        if (!failures.Contains(failure))
        {
            failures.Add(failure);
        }
    }

    // What DnsClient and the network can throw for one try. Anything else is our bug and should surface.
    private static bool IsQueryFailure(Exception ex) =>
        ex is DnsResponseException or DnsResponseParseException or SocketException or IOException
            or TimeoutException or OperationCanceledException or DnsXidMismatchException;

    private static string Describe(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return $"network error ({socket.SocketErrorCode})";
            }
        }

        return ex is DnsResponseParseException or DnsXidMismatchException ? "unreadable response" : "network error";
    }

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
