namespace Milter.Daemon.Startup;

/// <summary>
/// The command line, with OpenDKIM's flags: <c>-x FILE</c> (configuration, default /etc/opendkim.conf),
/// <c>-p SOCKET</c> (overrides Socket), <c>-P PIDFILE</c> (overrides PidFile), <c>-u USER[:GROUP]</c> (overrides
/// UserID), <c>-l</c> (log to syslog, as Syslog yes), <c>-f</c> (foreground), <c>-n</c> (check the configuration
/// and exit), <c>-v</c> (debug logging), <c>-V</c> (version and capabilities), <c>-h</c> (help).
/// </summary>
internal sealed record CommandLine(
    string? ConfigPath,
    string? Socket,
    string? PidFile,
    string? UserId,
    bool Syslog,
    bool Foreground,
    bool CheckOnly,
    bool Verbose,
    bool Version,
    bool Help)
{
    public const string DefaultConfigPath = "/etc/opendkim.conf";

    public const string Usage = """
        usage: dkim-milter [-x configfile] [-p socket] [-P pidfile] [-u user[:group]] [-f] [-l] [-n] [-v] [-V] [-h]
               dkim-milter explain [-x configfile] --from ADDRESS [--client IP] [--auth USER]
               dkim-milter genkey [-d DOMAIN] [-s SELECTOR] ...   (dkim-milter genkey -h for more)
               dkim-milter testkey [-x configfile] [-d DOMAIN -s SELECTOR [-k KEYFILE]]
               dkim-milter doctor [-x configfile] [--postfix-config DIR] [--json]
               dkim-milter rotate -d DOMAIN [-x configfile] [-k KEYNAME] [-s SELECTOR] [--grace DAYS] [--retire]
          -x FILE    configuration file (default /etc/opendkim.conf), in opendkim.conf(5) syntax
          -p SOCKET  listen here instead of the Socket setting: inet:PORT@HOST, inet6:PORT@HOST or local:/path
          -P FILE    write the process id here instead of the PidFile setting
          -u USER[:GROUP]  after opening the socket and reading the keys, run as this user (instead of UserID)
          -f         stay in the foreground (dkim-milter never forks) and also log to stderr
          -l         log to syslog (as "Syslog yes")
          -n         check the configuration, then exit (0 = fine, 78 = a mistake, printed with file and line)
          -v         log debug detail
          -V         print the version and what this build supports, then exit
          -h         this help
        signals: SIGHUP or SIGUSR1 reloads the configuration, tables and keys; SIGTERM finishes the messages in
        progress and exits.
        """;

    /// <summary>
    /// Reads the configuration file, as at start-up and on every reload. Like opendkim: an explicit <c>-x</c> file
    /// must exist; the default file may be absent when <c>-p</c> gives the socket.
    /// </summary>
    /// <exception cref="Milter.Configuration.ConfigurationException">The file is missing or has a mistake.</exception>
    public Milter.Configuration.ConfigFile LoadConfiguration() =>
        ConfigPath is null && !File.Exists(DefaultConfigPath)
            ? Milter.Configuration.ConfigFileParser.Parse("", DefaultConfigPath)
            : Milter.Configuration.ConfigFileParser.Load(ConfigPath ?? DefaultConfigPath);

    /// <summary>Parses arguments; flags may be bundled (<c>-fv</c>) and values attached (<c>-xFILE</c>).</summary>
    /// <exception cref="FormatException">An unknown flag or a missing value.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = new CommandLine(null, null, null, null, false, false, false, false, false, false);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg.Length < 2 || arg[0] != '-')
            {
                throw new FormatException($"unexpected argument '{arg}'");
            }

            for (int j = 1; j < arg.Length; j++)
            {
                char flag = arg[j];
                switch (flag)
                {
                    case 'f': result = result with { Foreground = true }; break;
                    case 'l': result = result with { Syslog = true }; break;
                    case 'n': result = result with { CheckOnly = true }; break;
                    case 'v': result = result with { Verbose = true }; break;
                    case 'V': result = result with { Version = true }; break;
                    case 'h': result = result with { Help = true }; break;
                    case 'x' or 'p' or 'P' or 'u':
                    {
                        string value = j + 1 < arg.Length ? arg[(j + 1)..]
                            : i + 1 < args.Count ? args[++i]
                            : throw new FormatException($"-{flag} needs a value");
                        result = flag switch
                        {
                            'x' => result with { ConfigPath = value },
                            'p' => result with { Socket = value },
                            'P' => result with { PidFile = value },
                            _ => result with { UserId = value },
                        };
                        j = arg.Length;
                        break;
                    }

                    default:
                        throw new FormatException($"unknown option -{flag}");
                }
            }
        }

        return result;
    }
}
