using Milter.Configuration;

namespace Milter.Daemon.Startup;

/// <summary>
/// How the daemon runs (socket, logging, foreground), read from the configuration file and the command line.
/// What it does with mail is <see cref="Dkim.DkimFilter"/>'s.
/// </summary>
internal sealed record DaemonSettings(
    SocketSpec Socket,
    bool Syslog,
    bool SyslogSuccess,
    string SyslogFacility,
    string SyslogName,
    bool LogWhy,
    bool Background)
{
    /// <exception cref="ConfigurationException">A value this build reads is illegal, or no socket is set.</exception>
    public static DaemonSettings From(ConfigFile config, CommandLine commandLine)
    {
        string? socketText = commandLine.Socket ?? config.GetString("Socket");
        var socketEntry = config.Find("Socket");
        if (socketText is null)
        {
            throw new ConfigurationException(config.Path, 0, "no socket",
                "say where to listen: 'Socket inet:8891@localhost' in the file, or -p inet:8891@localhost");
        }

        SocketSpec socket;
        try
        {
            socket = SocketSpec.Parse(socketText);
        }
        catch (FormatException ex)
        {
            throw commandLine.Socket is not null
                ? new ConfigurationException("-p", 0, "illegal value", ex.Message)
                : new ConfigurationException(socketEntry!.File, socketEntry.Line, "illegal value", ex.Message);
        }

        string facility = config.GetString("SyslogFacility", "mail")!;
        if (!Logging.SyslogFacilities.TryParse(facility, out _))
        {
            var entry = config.Find("SyslogFacility")!;
            throw new ConfigurationException(entry.File, entry.Line, "illegal value", $"'{facility}' is not a syslog facility; use mail, daemon or local0..local7");
        }

        return new DaemonSettings(
            socket,
            config.GetBoolean("Syslog", false),
            config.GetBoolean("SyslogSuccess", false),
            facility,
            config.GetString("SyslogName", "opendkim")!,
            config.GetBoolean("LogWhy", false),
            config.GetBoolean("Background", true));
    }
}
