using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Daemon.Hosting;
using Milter.Daemon.Logging;
using Milter.Daemon.Dkim;
using Milter.Daemon.Dns;
using Milter.Protocol.Server;
using Serilog;
using Serilog.Events;

namespace Milter.Daemon.Startup;

/// <summary>
/// Runs the milter: the composition root. Everything that can be wrong with the command line or the
/// configuration is found here, before binding, and reported with file, line and a hint.
/// </summary>
internal static class DaemonCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
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

        DaemonSettings settings;
        ConfigFile config;
        DnsKeyResolver? resolver = null;
        DkimFilter? filter = null;
        try
        {
            config = LoadConfiguration(commandLine);
            settings = DaemonSettings.From(config, commandLine);
            // Everything else that can be checked before the first message (option values, options this build does not
            // act on, tables, key names, key files and their permissions, DNS settings) is reported now, all at once,
            // rather than as tempfailed mail later.
            var diagnostics = StartupChecks.Run(config, out var dnsSettings);
            if (!diagnostics.Any(diagnostic => diagnostic.IsError))
            {
                // Building the filter (tables read for the policy, keys loaded) is the last check, and its result is the
                // filter the milter runs with: nothing is read twice.
                resolver = new DnsKeyResolver(dnsSettings, TimeProvider.System);
                filter = DkimFilter.Build(config, resolver, diagnostics);
            }

            foreach (var diagnostic in StartupChecks.Distinct(diagnostics))
            {
                Console.Error.WriteLine($"dkim-milter: {diagnostic}");
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
            Console.Error.WriteLine($"dkim-milter: {ex.Message}");
            return ExitCodes.Config;
        }

        // Past the checks both exist; they live as long as the daemon (or until -n returns).
        using var resolverLifetime = resolver;
        using var filterLifetime = filter!;
        if (commandLine.CheckOnly)
        {
            return ExitCodes.Success;
        }

        using var syslog = settings.Syslog && SyslogFacilities.TryParse(settings.SyslogFacility, out int facility)
            ? new SyslogSink(facility, settings.SyslogName)
            : null;
        var loggerConfiguration = new LoggerConfiguration()
            .MinimumLevel.Is(commandLine.Verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            // The generic host's own chatter ("Press Ctrl+C", content root) means nothing to a mail administrator.
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}");
        if (syslog is not null)
        {
            loggerConfiguration = loggerConfiguration.WriteTo.Sink(syslog);
        }

        await using var serilog = loggerConfiguration.CreateLogger();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
        builder.Services.AddSerilog(serilog);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(15));
        using var loggerFactory = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
        var log = loggerFactory.CreateLogger("dkim-milter");
        StartupLog.Starting(log, Environment.ProcessId, commandLine.ConfigPath ?? CommandLine.DefaultConfigPath, settings.Socket.ToString());
        var handlerLog = loggerFactory.CreateLogger("dkim-milter");

        if (settings.Background && !commandLine.Foreground)
        {
            StartupLog.NoFork(log);
        }

        MilterServer server;
        try
        {
            server = new MilterServer(ListenEndpoints.Resolve(settings.Socket), () => new DkimMilterHandler(filterLifetime, handlerLog), new MilterServerOptions(), loggerFactory);
        }
        catch (SocketException ex)
        {
            StartupLog.CannotListen(log, settings.Socket.ToString(), ex.Message);
            return ExitCodes.Unavailable;
        }

        await using (server)
        {
            builder.Services.AddHostedService(_ => new MilterListenerService(server));
            using var host = builder.Build();
            // The host first: it installs the SIGTERM/SIGINT handlers, so a stop that arrives the moment we listen is a
            // clean drain (exit 0), not death by signal (exit 143).
            await host.StartAsync();
            try
            {
                server.Start();
            }
            catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
            {
                StartupLog.CannotListen(log, settings.Socket.ToString(), ex.Message);
                await host.StopAsync();
                return ExitCodes.Unavailable;
            }

            await host.WaitForShutdownAsync();
        }

        return ExitCodes.Success;
    }

    private static ConfigFile LoadConfiguration(CommandLine commandLine)
    {
        // Like opendkim: an explicit -x must exist; the default file may be absent when -p gives the socket.
        if (commandLine.ConfigPath is null && !File.Exists(CommandLine.DefaultConfigPath))
        {
            return ConfigFileParser.Parse("", CommandLine.DefaultConfigPath);
        }

        return ConfigFileParser.Load(commandLine.ConfigPath ?? CommandLine.DefaultConfigPath);
    }
}
