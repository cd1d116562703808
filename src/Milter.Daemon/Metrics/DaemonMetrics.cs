using Milter.Configuration.Datasets;
using Milter.Dkim.Verification;
using Milter.Protocol;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Server;
using Milter.Protocol.Wire;
using Prometheus;

namespace Milter.Daemon.Metrics;

/// <summary>
/// The daemon's Prometheus series (docs/OPERATIONS.md, "Metrics"), in a registry of their own (no default collectors
/// besides the process and .NET ones). Every labelled child is created here, once, so every series is published
/// from the start (at 0) and the hot path only increments a cached child: no look-up by label, no string built,
/// no lock (prometheus-net's counters and histograms are Interlocked). <see cref="Current"/> is null unless
/// MetricsSocket is set, so with metrics off each call site costs a static read and a null test.
/// </summary>
internal sealed class DaemonMetrics : IMilterSessionObserver, IDatasetLookupCounter
{
    /// <summary>The steps the session reports, in the order of a message, with their label values.</summary>
    private static readonly string[] StepNames = ["CONNECT", "HELO", "MAIL", "RCPT", "DATA", "UNKNOWN", "HEADER", "EOH", "BODY", "EOM"];

    /// <summary>10 µs to 10 s: handler steps take microseconds; end of message waits for DNS when verifying.</summary>
    private static readonly double[] LatencyBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>
    /// The backends this build has, created at start-up so that each is scraped at 0 before its first look-up (pgsql
    /// included: a dashboard or alert on database queries then works from the first scrape).
    /// </summary>
    private static readonly string[] DatasetBackends = ["file", "refile", "csl", "pgsql"];

    private readonly Histogram.Child[] _stepDurations;
    private readonly Counter.Child _signed;
    private readonly Counter.Child _signingKeyUnusable;
    private readonly Counter.Child _signingFailed;
    private readonly Counter.Child[] _verified;
    private readonly Counter.Child _actionAccept;
    private readonly Counter.Child _actionTempFail;
    private readonly Counter.Child _actionReject;
    private readonly Counter.Child _actionDiscard;
    private readonly Counter.Child _actionQuarantine;
    private readonly Counter _cacheHits;
    private readonly Counter _cacheMisses;
    private readonly Counter _dnsErrors;
    private readonly Counter.Child _errorHandler;
    private readonly Counter.Child _errorProtocol;
    private readonly Counter.Child _errorSigning;
    private readonly Counter.Child _errorVerification;
    private readonly Counter _datasetLookups;
    private readonly Dictionary<string, Counter.Child[]> _datasetChildren = new(StringComparer.Ordinal);
    private readonly Lock _datasetGate = new();
    private volatile Dictionary<string, Counter.Child[]> _datasetSnapshot;

    public DaemonMetrics(Func<MilterServerStatus>? status = null)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        // No exemplars: there is no trace context to take them from, and none should be looked for per increment.
        factory.ExemplarBehavior = new ExemplarBehavior { DefaultExemplarProvider = null };
        DotNetStats.Register(Registry);

        var steps = factory.CreateHistogram("dkim_milter_step_duration_seconds",
            "Time the milter spent in each handler step (connect, helo, mail, rcpt, data, unknown, header, eoh, body, eom), per packet.",
            new HistogramConfiguration { LabelNames = ["step"], Buckets = LatencyBuckets });
        _stepDurations = Array.ConvertAll(StepNames, name => steps.WithLabels(name.ToLowerInvariant()));

        var signed = factory.CreateCounter("dkim_milter_messages_signed_total",
            "Messages the signing policy chose to sign, by result: signed, key_unusable, error.", "result");
        _signed = signed.WithLabels("signed");
        _signingKeyUnusable = signed.WithLabels("key_unusable");
        _signingFailed = signed.WithLabels("error");

        var verified = factory.CreateCounter("dkim_milter_messages_verified_total",
            "Messages verified, by result: pass if a signature passed, else the first signature's result, none without a signature.", "result");
        _verified = new Counter.Child[Enum.GetValues<DkimResultStatus>().Length];
        foreach (var outcome in Enum.GetValues<DkimResultStatus>())
        {
            _verified[(int)outcome] = verified.WithLabels(outcome.ToString().ToLowerInvariant());
        }

        var actions = factory.CreateCounter("dkim_milter_messages_total",
            "Messages by the milter's final action: accept, tempfail, reject, discard, quarantine.", "action");
        _actionAccept = actions.WithLabels("accept");
        _actionTempFail = actions.WithLabels("tempfail");
        _actionReject = actions.WithLabels("reject");
        _actionDiscard = actions.WithLabels("discard");
        _actionQuarantine = actions.WithLabels("quarantine");

        _cacheHits = factory.CreateCounter("dkim_milter_dns_key_cache_hits_total",
            "Key look-ups answered from the key cache, or by joining a query already running for the same name.");
        _cacheMisses = factory.CreateCounter("dkim_milter_dns_key_cache_misses_total",
            "Key look-ups that sent a DNS query.");
        _dnsErrors = factory.CreateCounter("dkim_milter_dns_errors_total",
            "Key queries that ended in a temporary failure (timeout, SERVFAIL, REFUSED, unreachable server).");

        var errors = factory.CreateCounter("dkim_milter_errors_total",
            "Errors by kind: handler (a step failed, answered tempfail), protocol (the MTA broke the protocol), signing, verification.", "kind");
        _errorHandler = errors.WithLabels("handler");
        _errorProtocol = errors.WithLabels("protocol");
        _errorSigning = errors.WithLabels("signing");
        _errorVerification = errors.WithLabels("verification");

        _datasetLookups = factory.CreateCounter("dkim_milter_dataset_lookups_total",
            "Dataset look-ups (tables and lists) by backend (file, refile, csl, and e.g. pgsql) and result: found, not_found, error.", "backend", "result");
        foreach (string backend in DatasetBackends)
        {
            _datasetChildren[backend] = ChildrenOf(backend);
        }

        _datasetSnapshot = new Dictionary<string, Counter.Child[]>(_datasetChildren, StringComparer.Ordinal);

        if (status is not null)
        {
            var open = factory.CreateGauge("dkim_milter_active_sessions", "MTA connections being served.");
            var waiting = factory.CreateGauge("dkim_milter_waiting_connections", "Accepted connections waiting for a free session (MaximumConnections reached).");
            var accepted = factory.CreateCounter("dkim_milter_connections_total", "MTA connections accepted since start.");
            Registry.AddBeforeCollectCallback(() =>
            {
                var now = status();
                open.Set(now.OpenSessions);
                waiting.Set(now.WaitingForSlot);
                accepted.IncTo(now.Accepted);
            });
        }
    }

    /// <summary>The metrics of this process when MetricsSocket is set; null otherwise.</summary>
    public static DaemonMetrics? Current { get; set; }

    public CollectorRegistry Registry { get; }

    public void Signed() => _signed.Inc();

    public void SigningKeyUnusable()
    {
        _signingKeyUnusable.Inc();
        _errorSigning.Inc();
    }

    public void SigningFailed()
    {
        _signingFailed.Inc();
        _errorSigning.Inc();
    }

    public void VerificationFailed() => _errorVerification.Inc();

    /// <summary>One verified message: pass if any signature passed, else the first one's result; none without any.</summary>
    public void Verified(IReadOnlyList<DkimResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var summary = results.Count == 0 ? DkimResultStatus.None : results[0].Status;
        for (int i = 0; i < results.Count; i++)
        {
            if (results[i].Status == DkimResultStatus.Pass)
            {
                summary = DkimResultStatus.Pass;
                break;
            }
        }

        Verified(summary);
    }

    public void Verified(DkimResultStatus summary) => _verified[(int)summary].Inc();

    public void KeyCacheHit() => _cacheHits.Inc();

    public void KeyCacheMiss() => _cacheMisses.Inc();

    public void DnsError() => _dnsErrors.Inc();

    /// <inheritdoc/>
    public void StepCompleted(string stepName, TimeSpan elapsed)
    {
        int index = stepName switch
        {
            "CONNECT" => 0,
            "HELO" => 1,
            "MAIL" => 2,
            "RCPT" => 3,
            "DATA" => 4,
            "UNKNOWN" => 5,
            "HEADER" => 6,
            "EOH" => 7,
            "BODY" => 8,
            "EOM" => 9,
            _ => -1,
        };
        if (index >= 0)
        {
            _stepDurations[index].Observe(elapsed.TotalSeconds);
        }
    }

    /// <inheritdoc/>
    public void HandlerFailed(string stepName) => _errorHandler.Inc();

    /// <inheritdoc/>
    public void ProtocolError(ProtocolError kind) => _errorProtocol.Inc();

    /// <inheritdoc/>
    public void MessageDecided(MilterDecision decision, bool quarantined)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var action = decision.Reply switch
        {
            _ when quarantined => _actionQuarantine,
            SimpleReply { Code: ReplyCode.TempFail or ReplyCode.Shutdown } => _actionTempFail,
            SimpleReply { Code: ReplyCode.Reject } => _actionReject,
            SimpleReply { Code: ReplyCode.Discard } => _actionDiscard,
            ReplyWithCodeReply { Text: [ '4', .. ] } => _actionTempFail,
            ReplyWithCodeReply => _actionReject,
            _ => _actionAccept,
        };
        action.Inc();
    }

    /// <inheritdoc/>
    public void Count(string backend, DatasetLookupResult result)
    {
        ArgumentNullException.ThrowIfNull(backend);
        // Lock-free for every backend seen before (a read of an immutable snapshot); a new backend name is added once.
        if (!_datasetSnapshot.TryGetValue(backend, out var children))
        {
            lock (_datasetGate)
            {
                if (!_datasetChildren.TryGetValue(backend, out children))
                {
                    children = ChildrenOf(backend);
                    _datasetChildren[backend] = children;
                    _datasetSnapshot = new Dictionary<string, Counter.Child[]>(_datasetChildren, StringComparer.Ordinal);
                }
            }
        }

        children[(int)result].Inc();
    }

    private Counter.Child[] ChildrenOf(string backend) =>
        [_datasetLookups.WithLabels(backend, "found"), _datasetLookups.WithLabels(backend, "not_found"), _datasetLookups.WithLabels(backend, "error")];
}
