using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Milter.Benchmarks;

/// <summary>Marks a benchmark method that processes a fixed number of bytes per invocation (for the MB/s column).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class BytesPerOperationAttribute(long bytes) : Attribute
{
    public long Bytes { get; } = bytes;
}

/// <summary>Marks a benchmark method whose operations per second are worth a column (signatures per second).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ReportOperationsPerSecondAttribute : Attribute;

/// <summary>MB/s (10^6 bytes per second) from the median time, for methods with <see cref="BytesPerOperationAttribute"/>.</summary>
internal sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);

    public string ColumnName => "MB/s (median)";

    public bool AlwaysShow => false;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Throughput from the median time: 10^6 bytes of input per second";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var attribute = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttributes(typeof(BytesPerOperationAttribute), false)
            .OfType<BytesPerOperationAttribute>().FirstOrDefault();
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (attribute is null || statistics is null)
        {
            return "-";
        }

        double megabytesPerSecond = attribute.Bytes / (statistics.Median / 1e9) / 1e6;
        return megabytesPerSecond.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>Operations per second from the median time, for methods with <see cref="ReportOperationsPerSecondAttribute"/>.</summary>
internal sealed class OperationsPerSecondColumn : IColumn
{
    public string Id => nameof(OperationsPerSecondColumn);

    public string ColumnName => "Op/s (median)";

    public bool AlwaysShow => false;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Operations per second from the median time (single thread)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        bool wanted = benchmarkCase.Descriptor.WorkloadMethod.IsDefined(typeof(ReportOperationsPerSecondAttribute), false);
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (!wanted || statistics is null)
        {
            return "-";
        }

        return (1e9 / statistics.Median).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
