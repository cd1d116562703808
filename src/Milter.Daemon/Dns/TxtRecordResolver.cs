using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Dns;

/// <summary>
/// Looks up the TXT records at any name (a domain's SPF record, <c>_dmarc.DOMAIN</c>), for the tools; the milter's
/// key look-ups go through <see cref="DnsKeyResolver"/>, which only asks for <c>selector._domainkey.domain</c> and
/// caches. Same servers, same rules for one look-up: each server asked at most twice in turn, the whole look-up
/// bounded by the configured timeout, answers read by <see cref="DnsAnswerReader"/> (so NXDOMAIN, no TXT and
/// SERVFAIL mean the same here as for a key). Results are <see cref="KeyLookupResult"/> values (found records,
/// not found, temporary failure) although the records need not be keys. No cache: a tool asks each name once.
/// </summary>
internal sealed class TxtRecordResolver : IDisposable
{
    private const int Rounds = 2;
    private static readonly TimeSpan MinimumTryTimeout = TimeSpan.FromMilliseconds(200);

    private readonly LookupClient _client;
    private readonly IReadOnlyList<IPEndPoint> _servers;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _tryTimeout;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Asks <paramref name="servers"/> (e.g. <see cref="DnsKeyResolver.Nameservers"/>), each look-up ending within <paramref name="timeout"/>.</summary>
    public TxtRecordResolver(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentOutOfRangeException.ThrowIfZero(servers.Count, nameof(servers));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _servers = servers;
        _timeout = timeout;
        _tryTimeout = timeout / (Rounds * servers.Count);
        if (_tryTimeout < MinimumTryTimeout)
        {
            _tryTimeout = MinimumTryTimeout;
        }

        _client = new LookupClient(new LookupClientOptions([.. servers.Select(s => new NameServer(s))])
        {
            UseCache = false,
            Retries = 0,
            Timeout = Timeout.InfiniteTimeSpan,
            UseRandomNameServer = false,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
            ThrowDnsErrors = false,
            UseTcpFallback = true,
            Recursion = true,
        });
    }

    /// <summary>The TXT records at <paramref name="name"/>, each with its strings joined without separator.</summary>
    public async Task<KeyLookupResult> LookupAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        name = name.TrimEnd('.');
        DnsQuestion question;
        try
        {
            if (name.Length > 253 || name.Split('.').Any(label => label.Length is 0 or > 63))
            {
                return KeyLookupResult.NotFound($"{name} is not a valid DNS name");
            }

            question = new DnsQuestion(name, QueryType.TXT);
        }
        catch (ArgumentException)
        {
            return KeyLookupResult.NotFound($"{name} is not a valid DNS name");
        }

        using var deadline = new CancellationTokenSource(_timeout);
        using var lookup = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _stopping.Token, cancellationToken);
        var failures = new List<string>();
        var timedOut = false;
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var server in _servers)
            {
                if (lookup.IsCancellationRequested)
                {
                    break;
                }

                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(lookup.Token);
                attempt.CancelAfter(_tryTimeout);
                try
                {
                    var response = await _client.QueryServerAsync([new NameServer(server)], question, attempt.Token);
                    var outcome = DnsAnswerReader.Read(response, server);
                    if (outcome.Answer is { } answer)
                    {
                        return answer.Result;
                    }

                    AddOnce(failures, outcome.Failure!);
                }
                catch (Exception ex) when (ex is DnsResponseException or DnsResponseParseException or SocketException or IOException
                    or TimeoutException or OperationCanceledException or DnsXidMismatchException)
                {
                    if (attempt.IsCancellationRequested)
                    {
                        timedOut = true;
                    }
                    else
                    {
                        AddOnce(failures, $"network error talking to {server}");
                    }
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (timedOut)
        {
            failures.Add($"timed out after {_timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
        }

        return KeyLookupResult.TemporaryFailure(string.Join("; ", failures));
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private static void AddOnce(List<string> failures, string failure)
    {
        if (!failures.Contains(failure))
        {
            failures.Add(failure);
        }
    }
}
