namespace Milter.Daemon.Startup;

/// <summary>
/// The command line, with OpenDKIM's flags: <c>-x FILE</c> (configuration, default /etc/opendkim.conf),
/// <c>-p SOCKET</c> (overrides Socket), <c>-f</c> (foreground), <c>-n</c> (check the configuration and exit),
/// <c>-v</c> (debug logging), <c>-h</c> (help).
/// </summary>
internal sealed record CommandLine(string? ConfigPath, string? Socket, bool Foreground, bool CheckOnly, bool Verbose, bool Help)
{
    public const string DefaultConfigPath = "/etc/opendkim.conf";

    public const string Usage = """
        usage: dkim-milter [-x configfile] [-p socket] [-f] [-n] [-v] [-h]
               dkim-milter explain [-x configfile] --from ADDRESS [--client IP] [--auth USER]
          -x FILE    configuration file (default /etc/opendkim.conf), in opendkim.conf(5) syntax
          -p SOCKET  listen here instead of the Socket setting: inet:PORT@HOST, inet6:PORT@HOST or local:/path
          -f         stay in the foreground (dkim-milter never forks; accepted for OpenDKIM compatibility)
          -n         check the configuration, then exit (0 = fine, 78 = a mistake, printed with file and line)
          -v         log debug detail
          -h         this help
        """;

    /// <summary>Parses arguments; flags may be bundled (<c>-fv</c>) and values attached (<c>-xFILE</c>).</summary>
    /// <exception cref="FormatException">An unknown flag or a missing value.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var result = new CommandLine(null, null, false, false, false, false);
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
                    case 'n': result = result with { CheckOnly = true }; break;
                    case 'v': result = result with { Verbose = true }; break;
                    case 'h': result = result with { Help = true }; break;
                    case 'x' or 'p':
                    {
                        string value = j + 1 < arg.Length ? arg[(j + 1)..]
                            : i + 1 < args.Count ? args[++i]
                            : throw new FormatException($"-{flag} needs a value");
                        result = flag == 'x' ? result with { ConfigPath = value } : result with { Socket = value };
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
