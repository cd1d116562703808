using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Dns;

/// <summary>
/// One TXT look-up with one time limit, as the daemon's key look-ups and the tools' SPF and DMARC look-ups both
/// need it: every server asked at most twice, in turn, the next try starting when the one before has had an equal
/// share of the timeout (OpenDKIM's DNSTimeout) or has failed; earlier tries keep listening until the limit, so a
/// slow answer that still comes within it is used. Answers are read by <see cref="DnsAnswerReader"/>. A server that never answers costs the timeout and
/// gives a temporary failure, never a hang. No cache here (<see cref="DnsKeyResolver"/> has one).
/// </summary>
internal sealed class TxtQuery : IDisposable
{
    // Every server is asked at most twice, in turn (as resolv.conf's "attempts:2" does), so one lost datagram or
    // one dead server does not use up the whole look-up.
    private const int Rounds = 2;

    // Below this a try would time out on an ordinary round trip to a distant resolver.
    private static readonly TimeSpan MinimumTryTimeout = TimeSpan.FromMilliseconds(200);

    private readonly LookupClient _client;
    private readonly NameServer[][] _servers;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _tryTimeout;
    private readonly CancellationTokenSource _stopping = new();

    public TxtQuery(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfZero(servers.Count, nameof(servers));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Nameservers = [.. servers];
        _servers = [.. Nameservers.Select(endPoint => new[] { new NameServer(endPoint) })];
        _timeProvider = timeProvider;
        Timeout = timeout;
        _tryTimeout = timeout / (Rounds * _servers.Length);
        if (_tryTimeout < MinimumTryTimeout)
        {
            _tryTimeout = MinimumTryTimeout;
        }

        _client = new LookupClient(new LookupClientOptions([.. _servers.Select(s => s[0])])
        {
            // The key cache is the one that counts: it is shared, bounded, and never keeps temporary failures.
            UseCache = false,
            // Retries, server order and time limits are ours (see QueryAsync), so the whole look-up has one limit:
            // left to itself DnsClient gives each try the full Timeout, makes Retries + 1 tries per server (15 s on
            // a dead server with its defaults), repeats SERVFAIL on the same server and takes NXDOMAIN to the next.
            Retries = 0,
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
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

    /// <summary>The servers asked, in order.</summary>
    public IReadOnlyList<IPEndPoint> Nameservers { get; }

    /// <summary>The limit for one whole look-up.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>True once disposed: look-ups in flight have ended as temporary failures.</summary>
    public bool IsStopping => _stopping.IsCancellationRequested;

    /// <summary>The TXT records at <paramref name="name"/>, with how long the answer may be cached.</summary>
    public async Task<CacheableAnswer> QueryAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        // An empty or over-long label cannot be asked at all (DnsClient would send a malformed query for an empty
        // one), and asking again will not change that.
        var question = TryMakeQuestion(name);
        if (question is null)
        {
            return CacheableAnswer.Uncached(KeyLookupResult.NotFound($"{name} is not a valid DNS name"));
        }

        using var deadline = new CancellationTokenSource(Timeout, _timeProvider);
        using var lookup = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _stopping.Token, cancellationToken);
        var failures = new List<string>();
        var timedOut = false;
        var running = new List<Task<TryOutcome>>();
        int started = 0;
        int tries = Rounds * _servers.Length;
        Task? nextTryDue = null;
        try
        {
            while (true)
            {
                // The next try starts when the one before has had its share of the time, or at once when it failed.
                if (started < tries && !lookup.IsCancellationRequested && (nextTryDue is null || nextTryDue.IsCompleted))
                {
                    int server = started % _servers.Length;
                    running.Add(TryAsync(question, server, lookup.Token));
                    started++;
                    nextTryDue = started < tries ? Task.Delay(_tryTimeout, _timeProvider, lookup.Token) : null;
                }

                if (running.Count == 0)
                {
                    break;
                }

                // Earlier tries keep listening while later ones run: an answer that takes longer than one try's
                // share, but comes within the whole limit, is still taken (a late reply to the first query).
                var done = nextTryDue is null || nextTryDue.IsCompleted
                    ? await Task.WhenAny(running).ConfigureAwait(false)
                    : await Task.WhenAny([.. running, nextTryDue]).ConfigureAwait(false);
                if (done is not Task<TryOutcome> finished)
                {
                    continue;
                }

                running.Remove(finished);
                var outcome = await finished.ConfigureAwait(false);
                if (outcome.Answer is { } answer)
                {
                    return answer;
                }

                if (outcome.Failure is { } failure)
                {
                    AddOnce(failures, failure);
                    nextTryDue = null;
                }
                else
                {
                    timedOut = true;
                }
            }
        }
        finally
        {
            // Tries still listening (another one answered) stop now; each ends on its own, catching its cancellation.
            await lookup.CancelAsync().ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_stopping.IsCancellationRequested)
        {
            return CacheableAnswer.Uncached(KeyLookupResult.TemporaryFailure("the resolver is shutting down"));
        }

        if (timedOut)
        {
            failures.Add($"timed out after {Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
        }

        return CacheableAnswer.Uncached(KeyLookupResult.TemporaryFailure(string.Join("; ", failures)));
    }

    // One query to one server, listening until the whole look-up's limit: an answer, a failure to report, or
    // neither (the look-up's time ran out or it was stopped).
    private async Task<TryOutcome> TryAsync(DnsQuestion question, int server, CancellationToken cancellationToken)
    {
        var endPoint = Nameservers[server];
        try
        {
            var response = await _client.QueryServerAsync(_servers[server], question, cancellationToken).ConfigureAwait(false);
            var outcome = DnsAnswerReader.Read(response, endPoint, question.QueryName.Value);
            return new TryOutcome(outcome.Answer, outcome.Failure);
        }
        catch (Exception ex) when (IsQueryFailure(ex))
        {
            // DnsClient reports a cancelled or timed-out try as a DnsResponseException; our token says which.
            return cancellationToken.IsCancellationRequested
                ? new TryOutcome(null, null)
                : new TryOutcome(null, $"{Describe(ex)} talking to {endPoint}");
        }
    }

    /// <summary>Stops queries in flight (they end as temporary failures).</summary>
    public void Dispose()
    {
        // Cancelled, not disposed: a query starting at this moment may still read its token, and a source without
        // a timer holds nothing that needs releasing.
        _stopping.Cancel();
    }

    private static DnsQuestion? TryMakeQuestion(string name)
    {
        // RFC 1035 2.3.4: labels of 1 to 63 octets, at most 255 octets on the wire (253 characters written out).
        if (name.Length > 253 || !name.Split('.').All(label => label.Length is > 0 and <= 63))
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

    private readonly record struct TryOutcome(CacheableAnswer? Answer, string? Failure);

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
}
