using CsCheck;
using Milter.Fuzzing.Tests.Support;

namespace Milter.Fuzzing.Tests;

/// <summary>
/// The CI pass over the fuzz targets: each target gets random bytes and mutated seeds, and must keep its
/// contract (<see cref="IFuzzTarget"/>: succeed or throw a documented bad-input exception) on every one.
/// </summary>
public sealed class TargetPassTests
{
    public static TheoryData<string> Targets() => [.. FuzzTargets.CreateAll().Select(target => target.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Random_bytes_keep_the_contract(string name) =>
        Check(name, Gen.Byte.Array[0, 600]);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Mutated_seeds_keep_the_contract(string name) =>
        Check(name, Mutations.Of(SeedCorpus.Load(name)));

    private static void Check(string name, Gen<byte[]> inputs)
    {
        var target = FuzzTargets.Find(name)!;
        try
        {
            // One target instance for all inputs, as under AFL: it keeps state (a logger, a scratch file) between them.
            PassSettings.Check(inputs, input => FuzzHarness.Execute(target, input), PassSettings.Print);
        }
        finally
        {
            (target as IDisposable)?.Dispose();
        }
    }
}
