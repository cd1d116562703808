using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Milter.Protocol;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Wire;

namespace Milter.Benchmarks.Load;

/// <summary>
/// Drives a milter as Postfix's smtpd does: per SMTP session one milter connection (OPTNEG with the profile of
/// <c>milter_protocol</c> 2 or 6, CONNECT, HELO), then per message MAIL and RCPT with macro <c>i</c>, DATA (6 only),
/// the header fields, end of headers, the body in 65535-byte chunks, end of message; QUIT at the end.
/// </summary>
internal sealed class LoadRunner
{
    private readonly LoadOptions _options;
    private readonly LoadMessages _messages;
    private readonly MtaProfile _profile;
    private readonly List<(List<(string Name, byte[] RawValue)> Headers, byte[] Body)> _variants;
    private readonly ConcurrentDictionary<string, int> _errorKinds = new(StringComparer.Ordinal);
    private long _queueIds;

    public LoadRunner(LoadOptions options, LoadMessages messages)
    {
        _options = options;
        _messages = messages;
        _profile = options.Protocol == 2 ? MtaProfile.Postfix2 : MtaProfile.Postfix6;
        _variants = [.. messages.Variants.Select(v => RawMessage.Split(v))];
    }

    /// <summary>Errors by kind (the first line of each distinct message) over every phase so far.</summary>
    public IReadOnlyDictionary<string, int> ErrorKinds => _errorKinds;

    /// <summary>
    /// <see cref="LoadOptions.Connections"/> workers, each opening a connection, sending up to
    /// <see cref="LoadOptions.MessagesPerConnection"/> messages on it and starting over, until
    /// <paramref name="count"/> messages were started or <paramref name="duration"/> has passed.
    /// </summary>
    public async Task<PhaseResult> RunThroughputAsync(TimeSpan? duration, long? count)
    {
        var clock = Stopwatch.StartNew();
        long started = 0;
        bool TakeTicket() => count is { } limit
            ? Interlocked.Increment(ref started) <= limit
            : clock.Elapsed < duration!.Value;

        var workers = new List<Task<WorkerStats>>();
        for (int w = 0; w < _options.Connections; w++)
        {
            workers.Add(Task.Run(() => WorkerAsync(TakeTicket)));
        }

        var stats = await Task.WhenAll(workers).ConfigureAwait(false);
        return PhaseResult.From(stats, clock.Elapsed);
    }

    /// <summary>
    /// Opens every connection first (at most 64 being set up at a time) and leaves them idle; after
    /// <paramref name="whileIdle"/> has run (it reads the daemon's memory), each sends its messages, all at once.
    /// </summary>
    public async Task<(PhaseResult Result, int Opened)> RunHeldAsync(Func<Task> whileIdle)
    {
        ArgumentNullException.ThrowIfNull(whileIdle);
        using var opening = new SemaphoreSlim(64);
        var sessions = await Task.WhenAll(Enumerable.Range(0, _options.Connections).Select(async _ =>
        {
            await opening.WaitAsync().ConfigureAwait(false);
            try
            {
                return await OpenAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException or MilterProtocolException)
            {
                Record(ex.Message);
                return null;
            }
            finally
            {
                opening.Release();
            }
        })).ConfigureAwait(false);
        int opened = sessions.Count(s => s is not null);
        int failedToOpen = sessions.Length - opened;
        await whileIdle().ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workers = sessions.OfType<MilterClient>().Select(client => Task.Run(async () =>
        {
            await go.Task.ConfigureAwait(false);
            var stats = new WorkerStats();
            long messageStart = Stopwatch.GetTimestamp();
            await using (client.ConfigureAwait(false))
            {
                try
                {
                    for (int m = 0; m < _options.MessagesPerConnection; m++)
                    {
                        if (m > 0)
                        {
                            messageStart = Stopwatch.GetTimestamp();
                        }

                        using var timeout = new CancellationTokenSource(_options.Timeout);
                        await SendMessageAsync(client, stats, messageStart, timeout.Token).ConfigureAwait(false);
                    }

                    await client.QuitAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransportError(ex))
                {
                    stats.Errors++;
                    Record(ex.Message);
                }
            }

            return stats;
        })).ToList();
        clock.Restart();
        go.SetResult();
        var results = await Task.WhenAll(workers).ConfigureAwait(false);
        var phase = PhaseResult.From(results, clock.Elapsed);
        return (phase with { Errors = phase.Errors + failedToOpen }, opened);
    }

    private async Task<WorkerStats> WorkerAsync(Func<bool> takeTicket)
    {
        var stats = new WorkerStats();
        while (takeTicket())
        {
            long messageStart = Stopwatch.GetTimestamp();
            using var timeout = new CancellationTokenSource(_options.Timeout);
            MilterClient? client = null;
            try
            {
                client = await OpenAsync(timeout.Token).ConfigureAwait(false);
                for (int m = 0; ; m++)
                {
                    if (m > 0)
                    {
                        messageStart = Stopwatch.GetTimestamp();
                        timeout.CancelAfter(_options.Timeout);
                    }

                    await SendMessageAsync(client, stats, messageStart, timeout.Token).ConfigureAwait(false);
                    if (m + 1 >= _options.MessagesPerConnection || !takeTicket())
                    {
                        break;
                    }
                }

                await client.QuitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransportError(ex))
            {
                stats.Errors++;
                Record(ex.Message);
                // A daemon that refuses connections must not turn the workers into a busy loop.
                await Task.Delay(10).ConfigureAwait(false);
            }
            finally
            {
                if (client is not null)
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        return stats;
    }

    /// <summary>Connects and sends OPTNEG, CONNECT and HELO, as smtpd does when an SMTP client connects.</summary>
    private async Task<MilterClient> OpenAsync(CancellationToken cancellationToken)
    {
        var client = await MilterClient.ConnectAsync(_options.Target, cancellationToken).ConfigureAwait(false);
        try
        {
            await client.NegotiateAsync(_profile, cancellationToken).ConfigureAwait(false);
            var connect = await client.ConnectAsync(_messages.ClientHost, ConnectionFamily.Inet, 40000, _messages.ClientAddress, cancellationToken: cancellationToken).ConfigureAwait(false);
            Expect(connect, "CONNECT");
            var helo = await client.HeloAsync(_messages.ClientHost, cancellationToken: cancellationToken).ConfigureAwait(false);
            Expect(helo, "HELO");
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One message; its latency runs from <paramref name="messageStart"/> to the end-of-message reply.</summary>
    private async Task SendMessageAsync(MilterClient client, WorkerStats stats, long messageStart, CancellationToken cancellationToken)
    {
        long id = Interlocked.Increment(ref _queueIds);
        string queueId = "L" + id.ToString("X8", CultureInfo.InvariantCulture);
        KeyValuePair<string, string>[] macros = [new("i", queueId)];
        var (headers, body) = _variants[(int)(id % _variants.Count)];
        string sender = _messages.Sender;
        if (_messages.SenderDomains > 0)
        {
            // The From field decides the signing domain; the envelope follows it as Postfix's would.
            string domain = _messages.SenderDomainOf(id - 1);
            sender = $"<alice@{domain}>";
            headers = [.. headers.Select(h => h.Name == "From" ? (h.Name, Encoding.ASCII.GetBytes($" Alice <alice@{domain}>")) : h)];
        }

        Expect(await client.MailAsync([sender], macros, cancellationToken).ConfigureAwait(false), "MAIL");
        Expect(await client.RecipientAsync([_messages.Recipient], macros, cancellationToken).ConfigureAwait(false), "RCPT");
        Expect(await client.DataAsync(macros, cancellationToken).ConfigureAwait(false), "DATA");
        foreach (var (name, rawValue) in headers)
        {
            Expect(await client.MessageHeaderAsync(name, rawValue, macros, cancellationToken).ConfigureAwait(false), "HEADER");
        }

        Expect(await client.EndOfHeadersAsync(macros, cancellationToken).ConfigureAwait(false), "EOH");
        Expect(await client.BodyAsync(body, macros, cancellationToken).ConfigureAwait(false), "BODY");
        long eomStart = Stopwatch.GetTimestamp();
        var end = await client.EndOfMessageAsync(macros, cancellationToken).ConfigureAwait(false);
        long now = Stopwatch.GetTimestamp();
        string? problem = _messages.Check(end.Final, end.Modifications);
        if (problem is null)
        {
            stats.Completed++;
            stats.MessageTicks.Add(now - messageStart);
            stats.EomTicks.Add(now - eomStart);
        }
        else
        {
            stats.Errors++;
            Record(problem);
        }
    }

    private static void Expect(Milter.Protocol.Replies.MilterReply reply, string step)
    {
        if (reply.Code != ReplyCode.Continue)
        {
            throw new InvalidOperationException($"{step} answered {reply}");
        }
    }

    private static bool IsTransportError(Exception ex) =>
        ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or InvalidOperationException or MilterProtocolException;

    private void Record(string message)
    {
        string kind = message.ReplaceLineEndings(" ");
        if (kind.Length > 160)
        {
            kind = kind[..160];
        }

        _errorKinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }
}

/// <summary>One worker's counts and latencies (Stopwatch ticks), merged after the run.</summary>
internal sealed class WorkerStats
{
    public long Completed { get; set; }

    public long Errors { get; set; }

    public List<long> MessageTicks { get; } = [];

    public List<long> EomTicks { get; } = [];
}

/// <summary>A phase's totals: messages that did what was expected, errors, wall time, latency percentiles in ms.</summary>
internal sealed record PhaseResult(long Completed, long Errors, TimeSpan Elapsed, LatencySummary Message, LatencySummary EndOfMessage)
{
    public double MessagesPerSecond => Elapsed.TotalSeconds > 0 ? Completed / Elapsed.TotalSeconds : 0;

    public static PhaseResult From(IReadOnlyList<WorkerStats> workers, TimeSpan elapsed) => new(
        workers.Sum(w => w.Completed),
        workers.Sum(w => w.Errors),
        elapsed,
        LatencySummary.From(workers.SelectMany(w => w.MessageTicks)),
        LatencySummary.From(workers.SelectMany(w => w.EomTicks)));
}

/// <summary>p50, p99 and max in milliseconds (nearest rank).</summary>
internal sealed record LatencySummary(double P50, double P99, double Max)
{
    public static LatencySummary From(IEnumerable<long> ticks)
    {
        long[] sorted = [.. ticks];
        if (sorted.Length == 0)
        {
            return new LatencySummary(double.NaN, double.NaN, double.NaN);
        }

        Array.Sort(sorted);
        double Ms(long t) => t * 1000.0 / Stopwatch.Frequency;
        long Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencySummary(Ms(Rank(0.50)), Ms(Rank(0.99)), Ms(sorted[^1]));
    }
}
