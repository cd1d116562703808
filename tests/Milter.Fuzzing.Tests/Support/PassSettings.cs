namespace Milter.Fuzzing.Tests.Support;

/// <summary>
/// How the CI pass samples. A fixed seed makes every CI run try the same inputs, so a red run is red again on
/// any machine; CsCheck prints the seed of a failing input with the input itself (see docs/reliability/fuzzing.md
/// for replaying it). Set CsCheck_Seed in the environment to replay one, CsCheck_Iter to sample more.
/// </summary>
internal static class PassSettings
{
    /// <summary>The fixed starting seed of the pass.</summary>
    public const string Seed = "0000000000001";

    /// <summary>Inputs per target and generator; the whole pass stays well under a minute on 2 cores.</summary>
    public const long Iterations = 2000;

    /// <summary>Hex of an input, for CsCheck's failure message (the bytes to put in a regression test).</summary>
    public static string Print(byte[] input) => $"{input.Length} byte(s): {Convert.ToHexString(input)}";
}
