namespace Milter.Daemon.Commands.Doctor;

/// <summary><c>dkim-milter doctor</c>'s command line: <c>[-x CONFIG] [--postfix-config DIR] [--json]</c>.</summary>
internal sealed record DoctorOptions
{
    private static readonly Dictionary<string, ToolArguments.LongOption> LongOptions = new(StringComparer.Ordinal)
    {
        ["help"] = new("h", false),
        ["json"] = new("json", false),
        ["postfix-config"] = new("postfix-config", true),
        ["config"] = new("x", true),
    };

    /// <summary>-x: the milter's configuration (default /etc/opendkim.conf, as the daemon).</summary>
    public string? ConfigPath { get; init; }

    /// <summary>--postfix-config: Postfix's configuration directory (postconf -c); default: postconf's own.</summary>
    public string? PostfixConfigDirectory { get; init; }

    /// <summary>--json: the report as one JSON object.</summary>
    public bool Json { get; init; }

    public bool Help { get; init; }

    /// <summary>Reads the command line; throws <see cref="FormatException"/> with the mistake in plain words.</summary>
    public static DoctorOptions Parse(IReadOnlyList<string> args)
    {
        var options = new DoctorOptions();
        foreach (var (name, value) in ToolArguments.Parse(args, "h", "x", LongOptions))
        {
            options = name switch
            {
                "x" => options with { ConfigPath = value!.Length > 0 ? value : throw new FormatException("-x cannot be empty") },
                "postfix-config" => options with { PostfixConfigDirectory = value!.Length > 0 ? value : throw new FormatException("--postfix-config cannot be empty") },
                "json" => options with { Json = true },
                _ => options with { Help = true },
            };
        }

        return options;
    }
}
