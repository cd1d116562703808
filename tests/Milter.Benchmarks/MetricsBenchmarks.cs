using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Milter.Configuration.Datasets;
using Milter.Daemon.Metrics;
using Milter.Protocol.Handling;
using Milter.Protocol.Server;

namespace Milter.Benchmarks;

/// <summary>
/// What MetricsSocket adds to one signed message, as the daemon does it at protocol 6 with a 7-field message: a
/// timestamp pair and an observation for each of 13 handler steps (CONNECT, MAIL, RCPT, 7 headers, EOH, one body
/// chunk, EOM), the SigningTable and KeyTable look-ups, the signed result and the final action. <c>Off</c> is the same
/// code path with metrics off (the observer and counters null), <c>On</c> with the daemon's metrics.
/// </summary>
[MemoryDiagnoser]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class MetricsBenchmarks
{
    private static readonly string[] Steps = ["CONNECT", "MAIL", "RCPT", "HEADER", "HEADER", "HEADER", "HEADER", "HEADER", "HEADER", "HEADER", "EOH", "BODY", "EOM"];
    // Typed as the call sites see them: the session calls the observer through its interface, the tables the dataset
    // counter through theirs.
    private DaemonMetrics? _metrics;
    private IMilterSessionObserver? _observer;
    private IDatasetLookupCounter? _datasets;

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new DaemonMetrics(() => default);
        _observer = _metrics;
        _datasets = _metrics;
    }

    [Benchmark(Baseline = true)]
    public long Off() => OneMessage(on: false);

    [Benchmark]
    public long On() => OneMessage(on: true);

    private long OneMessage(bool on)
    {
        var metrics = on ? _metrics : null;
        var observer = on ? _observer : null;
        var datasets = on ? _datasets : null;
        long sum = 0;
        foreach (string step in Steps)
        {
            long started = observer is null ? 0 : Stopwatch.GetTimestamp();
            sum += step.Length; // the handler's work would be here
            observer?.StepCompleted(step, Stopwatch.GetElapsedTime(started));
        }

        datasets?.Count("refile", DatasetLookupResult.Found);
        datasets?.Count("file", DatasetLookupResult.Found);
        metrics?.Signed();
        observer?.MessageDecided(MilterDecision.Continue, false);
        return sum;
    }
}
