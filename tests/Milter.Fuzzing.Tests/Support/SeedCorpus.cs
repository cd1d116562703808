namespace Milter.Fuzzing.Tests.Support;

/// <summary>The seed corpus of a target, as fuzz.sh gives it to afl-fuzz (copied beside the test binary).</summary>
internal static class SeedCorpus
{
    public static IReadOnlyList<byte[]> Load(string target)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "corpus", target);
        var files = Directory.GetFiles(directory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        Assert.True(files.Count > 0, $"no seed corpus in {directory}");
        return files;
    }
}
