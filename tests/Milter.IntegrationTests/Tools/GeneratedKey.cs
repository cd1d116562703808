namespace Milter.IntegrationTests.Tools;

/// <summary>A key made by <c>dkim-milter genkey</c> (the real executable) in a test's directory: its two files and what it printed.</summary>
internal sealed record GeneratedKey(string Domain, string Selector, string PrivatePath, string TxtPath, ZoneFileRecord Record, string Output)
{
    /// <summary>Where the record is published: <c>SELECTOR._domainkey.DOMAIN</c>.</summary>
    public string RecordName => $"{Selector}._domainkey.{Domain}";

    /// <summary>Runs <c>dkim-milter genkey -d DOMAIN -s SELECTOR -D DIRECTORY EXTRA...</c>, which must succeed.</summary>
    public static async Task<GeneratedKey> CreateAsync(string directory, string domain, string selector, params string[] extra)
    {
        var result = await ToolProcess.RunAsync(["genkey", "-d", domain, "-s", selector, "-D", directory, .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        string txt = Path.Combine(directory, selector + ".txt");
        return new GeneratedKey(domain, selector, Path.Combine(directory, selector + ".private"), txt,
            ZoneFileRecord.Parse(await File.ReadAllTextAsync(txt)), result.StandardOutput);
    }
}
