using Milter.IntegrationTests.MilterTest;
using Milter.IntegrationTests.Postfix;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Parity;

/// <summary>What OpenDKIM did with every case of one configuration, and the files it ran with.</summary>
/// <param name="ConfigPath">The opendkim.conf OpenDKIM read (our side parses the same file).</param>
/// <param name="Outcomes">By case name.</param>
/// <param name="Log">miltertest's run and opendkim's own output, for failure messages.</param>
public sealed record OpenDkimRun(string ConfigPath, IReadOnlyDictionary<string, ParityOutcome> Outcomes, string Log);

/// <summary>
/// Runs the real OpenDKIM for one parity configuration: writes the configuration and its tables into a directory
/// of their own, starts <c>opendkim -f -x CONF</c> on a free loopback port, plays all the configuration's cases in
/// one miltertest run (<see cref="ParityScript"/>) and stops it.
/// </summary>
public static class OpenDkimParityRunner
{
    private static readonly TimeSpan MilterTestTimeout = TimeSpan.FromSeconds(45);

    /// <summary>Makes an RSA private key with openssl, mode 600 (what OpenDKIM and opendkim-genkey expect).</summary>
    public static async Task<string> CreateKeyAsync(string directory)
    {
        string path = Path.Combine(directory, "parity.private");
        var result = await ProcessRunner.RunAsync("openssl",
            ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path], TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl could not make a key:\n{result}");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>Writes <paramref name="config"/> under <paramref name="directory"/> (created) and returns its path.</summary>
    public static string WriteConfig(ParityConfig config, string directory, string keyPath, int port, bool alwaysAddArHeader = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        Directory.CreateDirectory(directory);
        string Expand(string text) => text.Replace("{dir}", directory, StringComparison.Ordinal).Replace("{key}", keyPath, StringComparison.Ordinal);
        foreach (var (name, content) in config.Files)
        {
            File.WriteAllText(Path.Combine(directory, name), Expand(content) + "\n");
        }

        string common = alwaysAddArHeader
            ? OpenDkimProcess.CommonSettings
            : OpenDkimProcess.CommonSettings.Replace("AlwaysAddARHeader   yes", "AlwaysAddARHeader   no", StringComparison.Ordinal);
        string path = Path.Combine(directory, "opendkim.conf");
        File.WriteAllText(path, $"""
            # Parity configuration "{config.Name}" (Milter.IntegrationTests.Parity)
            {Expand(config.Text)}
            Socket              inet:{port}@127.0.0.1
            {common}
            """);
        return path;
    }

    /// <summary>Runs <paramref name="cases"/> (all of <paramref name="config"/>) through the real OpenDKIM.</summary>
    public static async Task<OpenDkimRun> RunAsync(ParityConfig config, IReadOnlyList<ParityCase> cases, string directory, string keyPath, bool alwaysAddArHeader = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(cases);
        // Writing the configuration creates its directory, so the script comes second.
        var (opendkimProcess, port, configPath) = await StartOnFreePortAsync(config, directory, keyPath, alwaysAddArHeader);
        string scriptPath = Path.Combine(Path.GetDirectoryName(configPath)!, "parity.lua");
        await File.WriteAllTextAsync(scriptPath, ParityScript.For(cases));

        ProcessResult result;
        string opendkimOutput;
        await using (var opendkim = opendkimProcess)
        {
            result = await MilterTestRunner.RunAsync(scriptPath, new Dictionary<string, string> { ["port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, MilterTestTimeout);
            opendkimOutput = opendkim.Output;
        }

        string log = $"{result}\n--- opendkim -x {configPath} ---\n{opendkimOutput}";
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"the parity script for configuration {config.Name} failed:\n{log}");
        }

        var outcomes = ParityScript.ParseResults(result.StandardOutput);
        var missing = cases.Select(c => c.Name).Where(name => !outcomes.ContainsKey(name)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"the parity script reported nothing for {string.Join(", ", missing)}:\n{log}");
        }

        return new OpenDkimRun(configPath, outcomes, log);
    }

    /// <summary>
    /// A picked free port can be taken (by another test's outgoing connection, from the same ephemeral range) before
    /// opendkim binds it; it then exits with "smfi_opensocket() failed". Another port is tried, three times at most.
    /// </summary>
    private static async Task<(OpenDkimProcess Process, int Port, string ConfigPath)> StartOnFreePortAsync(
        ParityConfig config, string directory, string keyPath, bool alwaysAddArHeader)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Pick();
            string configPath = WriteConfig(config, directory, keyPath, port, alwaysAddArHeader);
            try
            {
                return (await OpenDkimProcess.StartAsync(configPath, port), port, configPath);
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("smfi_opensocket() failed", StringComparison.Ordinal))
            {
            }
        }
    }
}
