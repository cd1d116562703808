using System.Text;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Daemon.Dkim;
using Milter.Daemon.Startup;
using Milter.Dkim.Verification;

namespace Milter.Fuzzing.Targets;

/// <summary>
/// opendkim.conf text through everything start-up does with it before binding (DaemonCommand): the parser, the
/// daemon settings, the start-up checks (option values, tables, key files, DNS settings) and the filter build
/// (policy, peer lists, macro lists, signing and verification settings, keys). Start-up catches
/// <see cref="ConfigurationException"/> only and reports it with file and line; anything else would end the daemon
/// with a stack trace instead of a message, so it is a bug.
/// </summary>
/// <remarks>
/// Paths in the text are opened for real. Inputs naming /dev, /proc or /sys are skipped: reading a device is not
/// a parser bug, and /dev/zero as a table would only measure memory.
/// </remarks>
public sealed class ConfigFileTarget : IFuzzTarget
{
    private static readonly CommandLine NoArguments = CommandLine.Parse([]);
    private static readonly string ConfigPath = Path.Combine(Path.GetTempPath(), "milter-fuzz", "opendkim.conf");

    /// <inheritdoc />
    public string Name => "opendkim-conf";

    /// <inheritdoc />
    public string EntryPoint => "ConfigFileParser.Parse + DaemonSettings.From + StartupChecks.Run + DkimFilter.Build";

    /// <inheritdoc />
    public IReadOnlyList<Type> BadInputExceptions { get; } = [typeof(ConfigurationException)];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        string text = Encoding.UTF8.GetString(input);
        if (NamesDevice(text))
        {
            return;
        }

        var config = ConfigFileParser.Parse(text, ConfigPath);
        // Without a Socket line the daemon needs -p; give it one so that the rest of the file is still read.
        var commandLine = config.Find("Socket") is null ? NoArguments with { Socket = "inet:8891@localhost" } : NoArguments;
        ConfigurationException? settingsProblem = null;
        try
        {
            DaemonSettings.From(config, commandLine);
        }
        catch (ConfigurationException ex)
        {
            // Start-up would stop here; a reload reads on. Read on too, then report it.
            settingsProblem = ex;
        }

        var diagnostics = StartupChecks.Run(config, out _);
        FuzzPropertyException.Check(diagnostics.All(diagnostic => diagnostic.Problem.Length > 0), "a diagnostic without a problem");
        if (!diagnostics.Any(diagnostic => diagnostic.IsError))
        {
            // As start-up: the filter is built only from a configuration the checks passed.
            DkimFilter.Build(config, new NoKeys(), diagnostics).Dispose();
        }

        if (settingsProblem is not null)
        {
            throw settingsProblem;
        }
    }

    private static bool NamesDevice(string text) =>
        text.Contains("/dev", StringComparison.Ordinal) || text.Contains("/proc", StringComparison.Ordinal) || text.Contains("/sys", StringComparison.Ordinal);

    private sealed class NoKeys : IDkimKeyResolver
    {
        public Task<KeyLookupResult> LookupAsync(string selector, string domain, CancellationToken cancellationToken) =>
            Task.FromResult(KeyLookupResult.NotFound("NXDOMAIN"));
    }
}
