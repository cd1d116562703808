using Milter.IntegrationTests.Daemon;

namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// Writes the seed's configuration as samples/local ships it (opendkim.conf, KeyTable, SigningTable) into a test
/// directory: only the table and key paths and the Socket are changed, then the options a test is about are set.
/// </summary>
internal static class SeedConfiguration
{
    private const string SampleTablesPrefix = "./samples/local/";
    private const string SampleKeyPath = "./samples/local/keys/mail.private";

    private static string SampleDirectory => Path.Combine(RepositoryRoot.Path, "samples", "local");

    /// <summary>
    /// Writes the three files and returns the path of opendkim.conf.
    /// </summary>
    /// <param name="bundledKey">The copy of samples/local/keys/mail.private that the sample KeyTable's line names.</param>
    /// <param name="extraKeys">More keys: each gets a KeyTable line and a SigningTable line for <c>*@its-domain</c>,
    /// after the sample's lines.</param>
    /// <param name="options">opendkim.conf parameters to set: a parameter the sample has is replaced (comment and
    /// all), any other is added at the end.</param>
    public static string Write(
        string directory,
        string socket,
        DkimKey bundledKey,
        IReadOnlyList<DkimKey> extraKeys,
        IReadOnlyDictionary<string, string> options)
    {
        string keyTable = Path.Combine(directory, "KeyTable");
        string signingTable = Path.Combine(directory, "SigningTable");
        File.WriteAllText(keyTable, ReadSample("KeyTable").Replace(SampleKeyPath, bundledKey.PrivateKeyPath, StringComparison.Ordinal)
            + string.Concat(extraKeys.Select(key => $"{key.KeyName} {key.Domain}:{key.Selector}:{key.PrivateKeyPath}\n")));
        File.WriteAllText(signingTable, ReadSample("SigningTable")
            + string.Concat(extraKeys.Select(key => $"*@{key.Domain} {key.KeyName}\n")));

        var settings = new Dictionary<string, string>(options, StringComparer.OrdinalIgnoreCase) { ["Socket"] = socket };
        var lines = ReadSample("opendkim.conf").Split('\n')
            .Where(line => !settings.ContainsKey(ParameterName(line)))
            .Select(line => line
                .Replace(SampleTablesPrefix + "KeyTable", keyTable, StringComparison.Ordinal)
                .Replace(SampleTablesPrefix + "SigningTable", signingTable, StringComparison.Ordinal))
            .Where(line => line.Length > 0)
            .Concat(settings.Select(setting => $"{setting.Key} {setting.Value}"));
        string config = Path.Combine(directory, "opendkim.conf");
        File.WriteAllText(config, string.Join('\n', lines) + "\n");
        return config;
    }

    private static string ReadSample(string name)
    {
        string text = File.ReadAllText(Path.Combine(SampleDirectory, name));
        return text.EndsWith('\n') ? text : text + "\n";
    }

    /// <summary>The first word of a parameter line; "" for comments and blank lines.</summary>
    private static string ParameterName(string line) =>
        line.TrimStart().StartsWith('#') ? "" : line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
}
