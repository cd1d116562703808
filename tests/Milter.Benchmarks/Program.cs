using BenchmarkDotNet.Running;

namespace Milter.Benchmarks;

/// <summary>
/// Entry point: BenchmarkDotNet's switcher, so <c>--filter</c>, <c>--list flat</c> and the other BenchmarkDotNet
/// options work. Run in Release (see docs/BENCHMARKS.md):
/// <c>dotnet run -c Release --project tests/Milter.Benchmarks -- --filter '*'</c>.
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks the arguments select.</summary>
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchmarkConfig.Create());
}
