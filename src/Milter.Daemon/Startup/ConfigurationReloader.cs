using Microsoft.Extensions.Logging;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Configuration.Datasets.PostgreSql;
using Milter.Daemon.Dkim;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Startup;

/// <summary>
/// SIGHUP and SIGUSR1: read the configuration file, tables and keys again, run every start-up check on them, and
/// only if nothing is wrong swap the new filter in as a whole (<see cref="CurrentFilter"/>). A broken configuration
/// keeps the running one and logs each diagnostic with file and line, so a typo never takes mail signing down.
/// Socket, identity, PID file, umask, logging and DNS settings stay as they were at start (as with opendkim): a
/// changed one is named in the log with "restart to apply".
/// </summary>
internal sealed class ConfigurationReloader(
    CommandLine commandLine,
    ConfigFile running,
    CurrentFilter filters,
    IDkimKeyResolver resolver,
    ILogger log)
{
    private readonly Lock _lock = new();
    private readonly string _configPath = commandLine.ConfigPath ?? CommandLine.DefaultConfigPath;
    private ConfigFile _running = running;

    /// <summary>Reloads; returns whether the new configuration is now in use. Concurrent calls run one at a time.</summary>
    public bool Reload()
    {
        lock (_lock)
        {
            try
            {
                return ReloadOnce();
            }
            finally
            {
                // Database tables the configuration in use does not hold (a dsn changed or dropped, or one only this
                // attempt opened) are closed now, or when the last message of the replaced configuration ends.
                PgsqlRegistry.ReleaseUnheld();
            }
        }
    }

    private bool ReloadOnce()
    {
        ReloadLog.Reloading(log, _configPath);
        ConfigFile config;
        try
        {
            config = commandLine.LoadConfiguration();
        }
        catch (ConfigurationException ex)
        {
            ReloadLog.Diagnostic(log, LogLevel.Error, ex.Message);
            ReloadLog.Refused(log, 1);
            return false;
        }

        var diagnostics = StartupChecks.Run(config, out _);
        DkimFilter? filter = null;
        if (!diagnostics.Any(diagnostic => diagnostic.IsError))
        {
            filter = DkimFilter.Build(config, resolver, diagnostics);
        }

        var distinct = StartupChecks.Distinct(diagnostics);
        foreach (var diagnostic in distinct)
        {
            ReloadLog.Diagnostic(log, diagnostic.IsError ? LogLevel.Error : LogLevel.Warning, diagnostic.ToString());
        }

        int errors = distinct.Count(diagnostic => diagnostic.IsError);
        if (errors > 0 || filter is null)
        {
            filter?.Dispose();
            ReloadLog.Refused(log, Math.Max(errors, 1));
            return false;
        }

        foreach (var entry in DaemonSettings.ChangedRestartOnlyOptions(_running, config))
        {
            ReloadLog.NeedsRestart(log, entry.Name, entry.File, entry.Line);
        }

        filters.Replace(filter);
        _running = config;
        ReloadLog.Reloaded(log, _configPath, filter.Policy.AllKeys.Count());
        return true;
    }
}

/// <summary>Reload log lines.</summary>
internal static partial class ReloadLog
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "reloading configuration from {Path}")]
    public static partial void Reloading(ILogger logger, string path);

    [LoggerMessage(EventId = 31, Message = "reload: {Diagnostic}")]
    public static partial void Diagnostic(ILogger logger, LogLevel level, string diagnostic);

    [LoggerMessage(EventId = 32, Level = LogLevel.Error, Message = "reload refused ({Errors} error(s) above); still running with the previous configuration")]
    public static partial void Refused(ILogger logger, int errors);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "reload: {Option} ({File}:{Line}) changed; restart dkim-milter to apply it")]
    public static partial void NeedsRestart(ILogger logger, string option, string file, int line);

    [LoggerMessage(EventId = 34, Level = LogLevel.Information, Message = "configuration reloaded from {Path} ({Keys} signing key(s)); new messages use it")]
    public static partial void Reloaded(ILogger logger, string path, int keys);
}
