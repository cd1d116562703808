using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace Milter.Benchmarks;

/// <summary>
/// One short job for every benchmark: the machine is a shared, noisy 2-core VM, so a few more iterations than
/// ShortRun's 3 and the median (not the mean) as the figure to read. The whole suite stays well under ten
/// minutes.
/// </summary>
internal static class BenchmarkConfig
{
    public static IConfig Create() =>
        ManualConfig.CreateEmpty()
            .AddLogger(DefaultConfig.Instance.GetLoggers().ToArray())
            .AddExporter(DefaultConfig.Instance.GetExporters().ToArray())
            .AddAnalyser(DefaultConfig.Instance.GetAnalysers().ToArray())
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max, new ThroughputColumn(), new OperationsPerSecondColumn())
            .AddJob(Job.Default
                .WithId("Short")
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(9)
                .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(300)))
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(Perfolizer.Horology.TimeUnit.Microsecond));
}
