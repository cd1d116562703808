using Microsoft.Extensions.Logging;
using Milter.Daemon.Startup;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace Milter.Daemon.Logging;

/// <summary>
/// Where the daemon's lines go. With Syslog (or <c>-l</c>): datagrams to the syslog socket, facility and ident
/// from SyslogFacility and SyslogName, so they land in /var/log/mail.log beside Postfix's. On stderr: when syslog
/// is off, with <c>-f</c>, or when the syslog socket is missing (nothing would be kept otherwise). Under systemd,
/// stderr goes to the journal.
/// <para>The syslog socket is <c>/dev/log</c>; <c>DKIM_MILTER_SYSLOG_SOCKET</c> names another (a container's, a test's).</para>
/// </summary>
internal sealed class DaemonLogging : IDisposable
{
    public const string SyslogSocketVariable = "DKIM_MILTER_SYSLOG_SOCKET";

    private readonly SyslogSink? _syslog;
    private readonly Serilog.Core.Logger? _syslogOnly;

    private DaemonLogging(Serilog.Core.Logger serilog, SyslogSink? syslog)
    {
        Serilog = serilog;
        _syslog = syslog;
        _syslogOnly = syslog is null ? null : new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(syslog).CreateLogger();
        Factory = new SerilogLoggerFactory(serilog);
    }

    public Serilog.Core.Logger Serilog { get; }

    public ILoggerFactory Factory { get; }

    public static DaemonLogging Create(DaemonSettings settings, CommandLine commandLine)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(commandLine);
        SyslogSink? syslog = null;
        bool console = !settings.Syslog || commandLine.Foreground;
        if (settings.Syslog && SyslogFacilities.TryParse(settings.SyslogFacility, out int facility))
        {
            string path = Environment.GetEnvironmentVariable(SyslogSocketVariable) is { Length: > 0 } custom ? custom : "/dev/log";
            syslog = new SyslogSink(facility, settings.SyslogName, path);
            if (!File.Exists(path))
            {
                // A check (-n) logs nothing but its findings, which go to stderr anyway: no need to say it.
                if (!commandLine.CheckOnly)
                {
                    Console.Error.WriteLine($"dkim-milter: Syslog is on but {path} does not exist (is rsyslog or journald running?); logging to stderr as well");
                }

                console = true;
            }
        }

        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(commandLine.Verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            // The generic host's own chatter ("Press Ctrl+C", content root) means nothing to a mail administrator.
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning);
        if (console)
        {
            configuration = configuration.WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}");
        }

        if (syslog is not null)
        {
            configuration = configuration.WriteTo.Sink(syslog);
        }

        return new DaemonLogging(configuration.CreateLogger(), syslog);
    }

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string name) => Factory.CreateLogger(name);

    /// <summary>
    /// A start-up diagnostic: always on stderr as <c>dkim-milter: ...</c> (the person who ran the command, or the
    /// journal, sees it), and in syslog too when Syslog is on, so mail.log says why the milter did not start.
    /// </summary>
    public void Report(bool isError, string text)
    {
        Console.Error.WriteLine($"dkim-milter: {text}");
        _syslogOnly?.Write(isError ? LogEventLevel.Error : LogEventLevel.Warning, "{Diagnostic:l}", text);
    }

    public void Dispose()
    {
        Factory.Dispose();
        _syslogOnly?.Dispose();
        Serilog.Dispose();
        _syslog?.Dispose();
    }
}
