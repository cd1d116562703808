using Milter.Configuration;

namespace Milter.Daemon.Startup;

/// <summary>
/// How the daemon runs (socket, identity, PID file, umask, logging), read from the configuration file and the
/// command line, whose flags win. What it does with mail is <see cref="Dkim.DkimFilter"/>'s. These settings are
/// read once: a reload keeps them (as opendkim does) and says so if the file now asks for something else.
/// </summary>
internal sealed record DaemonSettings(
    SocketSpec Socket,
    string? PidFile,
    string? UserId,
    uint? UMask,
    string? BaseDirectory,
    bool Syslog,
    string SyslogFacility,
    string SyslogName,
    bool Background,
    ConnectionLimits Connections)
{
    /// <summary>The options these settings come from: a reload that changes one of them needs a restart.</summary>
    public static readonly string[] RestartOnlyOptions =
        ["Socket", "PidFile", "UserID", "UMask", "BaseDirectory", "Syslog", "SyslogFacility", "SyslogName", "Background",
         // The DNS resolver (and its cache) is shared by messages in flight; it is built once.
         "Nameservers", "DNSTimeout",
         // The listener and its sessions are built once with these.
         "ConnectionIdleTimeout", "MessageIdleTimeout", "MaximumConnections",
         // The metrics listener is started once.
         "MetricsSocket"];

    /// <summary>The name the daemon was started as (dkim-milter, or opendkim through a link), as syslog's default ident.</summary>
    public static string ProgramName { get; } =
        Path.GetFileNameWithoutExtension(Environment.GetCommandLineArgs().FirstOrDefault() is { Length: > 0 } first ? first : "dkim-milter");

    /// <exception cref="ConfigurationException">A value this build reads is illegal, or no socket is set.</exception>
    public static DaemonSettings From(ConfigFile config, CommandLine commandLine)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(commandLine);
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
            commandLine.PidFile ?? config.GetString("PidFile"),
            commandLine.UserId ?? config.GetString("UserID"),
            ReadUMask(config),
            config.GetString("BaseDirectory"),
            commandLine.Syslog || config.GetBoolean("Syslog", false),
            facility,
            config.GetString("SyslogName", ProgramName)!,
            config.GetBoolean("Background", true),
            ConnectionLimits.From(config));
    }

    /// <summary>The options among <see cref="RestartOnlyOptions"/> whose values differ between two configurations.</summary>
    public static IEnumerable<ConfigEntry> ChangedRestartOnlyOptions(ConfigFile running, ConfigFile reloaded)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(reloaded);
        foreach (string name in RestartOnlyOptions)
        {
            var before = running.Find(name);
            var after = reloaded.Find(name);
            if (before?.Value != after?.Value)
            {
                yield return after ?? before!;
            }
        }
    }

    private static uint? ReadUMask(ConfigFile config)
    {
        if (config.Find("UMask") is not { } entry)
        {
            return null;
        }

        long mask = config.GetInteger("UMask", 0);
        return mask is >= 0 and <= 0x1FF // 0777
            ? (uint)mask
            : throw new ConfigurationException(entry.File, entry.Line, "illegal value", $"UMask takes an octal mode such as 007 (0 to 0777), not '{entry.Value}'");
    }
}
