using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Daemon.Dkim;
using Milter.Daemon.Dns;
using Milter.Daemon.Hosting;
using Milter.Daemon.Logging;
using Milter.Daemon.Metrics;
using Milter.Daemon.Platform;
using Milter.Protocol.Server;
using Serilog;

namespace Milter.Daemon.Startup;

/// <summary>
/// Runs the milter: the composition root. In order: the command line and the configuration (every mistake
/// reported with file, line and a hint before anything is bound), the umask and base directory, the checks and the
/// filter (tables and keys read while still root), the sockets bound and handed to the service user, the PID file,
/// the privilege drop, then the host (SIGTERM drains, SIGHUP/SIGUSR1 reload, systemd notified once serving).
/// </summary>
internal static class DaemonCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        InlineSocketCompletions.EnableUnlessConfigured();
        CommandLine commandLine;
        try
        {
            commandLine = CommandLine.Parse(args);
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"dkim-milter: {ex.Message}");
            Console.Error.WriteLine(CommandLine.Usage);
            return ExitCodes.Usage;
        }

        if (commandLine.Help)
        {
            Console.WriteLine(CommandLine.Usage);
            return ExitCodes.Success;
        }

        if (commandLine.Version)
        {
            Console.WriteLine(VersionText.Describe());
            return ExitCodes.Success;
        }

        string configPath = commandLine.ConfigPath ?? CommandLine.DefaultConfigPath;
        ConfigFile config;
        DaemonSettings settings;
        MetricsEndpoint? metricsEndpoint;
        try
        {
            config = commandLine.LoadConfiguration();
            settings = DaemonSettings.From(config, commandLine);
            metricsEndpoint = MetricsEndpoint.From(config);
        }
        catch (ConfigurationException ex)
        {
            Console.Error.WriteLine($"dkim-milter: {ex.Message}");
            return ExitCodes.Config;
        }

        using var logging = DaemonLogging.Create(settings, commandLine);
        var log = logging.CreateLogger("dkim-milter");
        Milter.Configuration.Datasets.PostgreSql.PgsqlServer.LoggerFactory = logging.Factory; // dsn: tables log outages and recoveries

        // The umask first: it decides the modes of the socket and PID file created below.
        if (settings.UMask is { } umask)
        {
            _ = Posix.Umask(umask); // returns the previous mask, which nothing needs
        }

        ServiceAccount? account;
        DnsKeyResolver? resolver = null;
        DkimFilter? filter = null;
        try
        {
            ChangeToBaseDirectory(config, settings);
            account = ResolveAccount(config, commandLine, settings);

            // Everything else that can be checked before the first message (option values, options this build does not
            // act on, tables, key names, key files and their permissions, DNS settings) is reported now, all at once,
            // rather than as tempfailed mail later.
            var diagnostics = StartupChecks.Run(config, out var dnsSettings);
            if (!diagnostics.Any(diagnostic => diagnostic.IsError))
            {
                // Building the filter (tables read for the policy, keys loaded, as root if started as root) is the last
                // check, and its result is the filter the milter runs with: nothing is read twice.
                resolver = new DnsKeyResolver(dnsSettings, TimeProvider.System);
                filter = DkimFilter.Build(config, resolver, diagnostics);
            }

            foreach (var diagnostic in StartupChecks.Distinct(diagnostics))
            {
                logging.Report(diagnostic.IsError, diagnostic.ToString());
            }

            if (diagnostics.Any(diagnostic => diagnostic.IsError))
            {
                filter?.Dispose();
                resolver?.Dispose();
                return ExitCodes.Config;
            }
        }
        catch (ConfigurationException ex)
        {
            logging.Report(true, ex.Message);
            return ExitCodes.Config;
        }

        // Past the checks both exist; they live as long as the daemon (or until -n returns).
        using var resolverLifetime = resolver;
        using var filters = new CurrentFilter(filter!);
        if (commandLine.CheckOnly)
        {
            return ExitCodes.Success;
        }

        ReleaseStartUpGarbage();

        // The filter holds the database tables it uses; whatever else the checks opened is closed.
        Milter.Configuration.Datasets.PostgreSql.PgsqlRegistry.ReleaseUnheld();

        StartupLog.Starting(log, Environment.ProcessId, configPath, settings.Socket.ToString());
        foreach (var (entry, value) in settings.Connections.ShorterThanPostfix(config))
        {
            StartupLog.TimeoutShorterThanPostfix(log, entry.Name, (int)value.TotalSeconds, entry.File, entry.Line);
        }

        // Asked now, as root: the hosting library answers from the parent's /proc entry, which the service user
        // may not see once privileges are dropped (the unit's ProtectProc=invisible), and it keeps its first answer.
        bool underSystemd = SystemdHelpers.IsSystemdService();
        if (settings.Background && !commandLine.Foreground && !underSystemd)
        {
            StartupLog.NoFork(log);
        }

        var handlerLog = logging.CreateLogger("dkim-milter");
        MilterServer? server = null;
        var metrics = metricsEndpoint is null ? null : MetricsListener.Enable(() => server?.Status ?? default);
        try
        {
            server = new MilterServer(ListenEndpoints.Resolve(settings.Socket), () => new DkimMilterHandler(filters, handlerLog), MetricsListener.Observed(settings.Connections.ToServerOptions(), metrics), logging.Factory);
            server.Bind();
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            StartupLog.CannotListen(log, settings.Socket.ToString(), ex.Message);
            return ExitCodes.Unavailable;
        }

        PidFile? pidFile = null;
        await using (server)
        {
            Prometheus.MetricServer? metricServer;
            try
            {
                metricServer = MetricsListener.Start(metricsEndpoint, metrics, log);
            }
            catch (System.Net.HttpListenerException ex)
            {
                StartupLog.CannotListen(log, metricsEndpoint!.Url, ex.Message);
                return ExitCodes.Unavailable;
            }

            using var metricServerLifetime = metricServer;
            try
            {
                SocketPermissions.Prepare(settings.Socket, account, log);
                if (settings.PidFile is { } pidPath)
                {
                    pidFile = PidFile.Write(pidPath, out int? previous);
                    account?.Own(pidPath);
                    if (previous is { } other)
                    {
                        StartupLog.PidFileOfLiveProcess(log, pidPath, other);
                    }
                }

                if (account is not null && !account.IsCurrent)
                {
                    account.Become();
                    StartupLog.RunningAs(log, account.ToString());
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                StartupLog.CannotStart(log, ex.Message);
                RemovePidFile(pidFile, log);
                return ExitCodes.OperatingSystem;
            }

            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
            builder.Services.AddSerilog(logging.Serilog);
            builder.Services.AddSystemd();
            builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(15));
            builder.Services.AddHostedService(_ => new MilterListenerService(server));
            using var host = builder.Build();
            var reloader = new ConfigurationReloader(commandLine, config, filters, resolver!, log);
            using var reloadSignals = new ReloadSignals(reloader, host.Services.GetService<ISystemdNotifier>());
            using var statusSignal = new StatusSignal(server, log);
            try
            {
                // The host installs the SIGTERM/SIGINT handlers before the listener starts accepting, so a stop that
                // arrives the moment we serve is a clean drain (exit 0), not death by signal (exit 143).
                await host.RunAsync();
            }
            finally
            {
                RemovePidFile(pidFile, log);
            }
        }

        return ExitCodes.Success;
    }

    /// <summary>BaseDirectory: relative paths in the configuration (tables, key files) are read from there.</summary>
    /// <summary>
    /// The checks and the filter read every table (100,000 domains: some 100 MB of lines and parsed entries, most of it
    /// garbage once the filter holds its own); the collector would keep that memory for a long time in a daemon that
    /// allocates little afterwards, so it is collected and given back to the system once, before the first message.
    /// </summary>
    private static void ReleaseStartUpGarbage() => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    private static void ChangeToBaseDirectory(ConfigFile config, DaemonSettings settings)
    {
        if (settings.BaseDirectory is not { } directory)
        {
            return;
        }

        try
        {
            Directory.SetCurrentDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var entry = config.Find("BaseDirectory")!;
            throw new ConfigurationException(entry.File, entry.Line, "cannot use BaseDirectory",
                $"{directory}: {ex.Message}; create it or correct the path (relative table and key paths are read from there)");
        }
    }

    private static ServiceAccount? ResolveAccount(ConfigFile config, CommandLine commandLine, DaemonSettings settings)
    {
        if (settings.UserId is not { } userId)
        {
            return null;
        }

        try
        {
            return ServiceAccount.Resolve(userId);
        }
        catch (ArgumentException ex)
        {
            var entry = config.Find("UserID");
            throw commandLine.UserId is not null || entry is null
                ? new ConfigurationException("-u", 0, "unknown account", ex.Message)
                : new ConfigurationException(entry.File, entry.Line, "unknown account", ex.Message);
        }
    }

    private static void RemovePidFile(PidFile? pidFile, Microsoft.Extensions.Logging.ILogger log)
    {
        if (pidFile?.Remove() is { } problem)
        {
            StartupLog.CannotRemovePidFile(log, problem);
        }
    }
}
