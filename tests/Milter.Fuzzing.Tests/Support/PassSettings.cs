using CsCheck;

namespace Milter.Fuzzing.Tests.Support;

/// <summary>
/// How the CI pass samples: the same inputs on every run. CsCheck's own Sample takes a seed for its first iteration
/// only and draws the rest at random; here every iteration's generator state comes from one fixed master seed, so a
/// red CI run is red again anywhere. On a failure CsCheck takes over from the failing input's seed to shrink it, and
/// its message carries the seed and the input (hex). Replaying: see docs/reliability/fuzzing.md.
/// </summary>
internal static class PassSettings
{
    /// <summary>Inputs per property; the whole pass stays well under a minute on 2 cores.</summary>
    public const int Iterations = 2000;

    private const ulong MasterSeed = 20261128;

    /// <summary>
    /// Runs <paramref name="assert"/> on <see cref="Iterations"/> inputs of <paramref name="gen"/>, the same ones every
    /// run. With CsCheck_Seed in the environment it runs CsCheck's Sample instead, which starts from that seed.
    /// </summary>
    public static void Check<T>(Gen<T> gen, Action<T> assert, Func<T, string> print)
    {
        ArgumentNullException.ThrowIfNull(gen);
        ArgumentNullException.ThrowIfNull(assert);
        if (Environment.GetEnvironmentVariable("CsCheck_Seed") is { Length: > 0 })
        {
            gen.Sample(assert, iter: 1, threads: 1, print: print);
            return;
        }

        var master = new PCG(1, MasterSeed);
        for (int i = 0; i < Iterations; i++)
        {
            var pcg = new PCG(master.Next(), master.Next64());
            string seed = pcg.ToString();
            var input = gen.Generate(pcg, null, out _);
            try
            {
                assert(input);
            }
#pragma warning disable CA1031 // any failure of the property is handed to CsCheck, which rethrows it shrunk
            catch (Exception)
#pragma warning restore CA1031
            {
                // Starts at the failing seed (so it fails at once), then shrinks and throws CsCheckException.
                try
                {
                    gen.Sample(assert, seed: seed, iter: Iterations, threads: 1, print: print);
                }
                catch (Exception shrunk)
                {
                    throw new InvalidOperationException($"CI pass input {i} failed: CsCheck_Seed={seed}, {print(input)}; shrunk: {shrunk.Message}", shrunk);
                }

                throw new InvalidOperationException($"CI pass input {i} (CsCheck_Seed={seed}) failed once but not when replayed: {print(input)}");
            }
        }
    }

    /// <summary>Hex of an input, for the failure message (the bytes to put in a regression test).</summary>
    public static string Print(byte[] input) => $"{input.Length} byte(s): {Convert.ToHexString(input)}";
}
