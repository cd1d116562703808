using BenchmarkDotNet.Running;
using Milter.Benchmarks.Load;

namespace Milter.Benchmarks;

/// <summary>
/// Entry point. <c>load ...</c> runs the whole-milter load generator (<see cref="LoadCommand"/>) and <c>dns ...</c>
/// the loopback DNS server it needs for verification (<see cref="DnsCommand"/>); anything else goes to
/// BenchmarkDotNet's switcher, so <c>--filter</c>, <c>--list flat</c> and the other BenchmarkDotNet options work.
/// Run in Release (see docs/BENCHMARKS.md):
/// <c>dotnet run -c Release --project tests/Milter.Benchmarks -- --filter '*'</c>.
/// </summary>
public static class Program
{
    /// <summary>Runs the verb, or the benchmarks the arguments select.</summary>
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "load")
        {
            return LoadCommand.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "dns")
        {
            return DnsCommand.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchmarkConfig.Create());
        return 0;
    }
}
