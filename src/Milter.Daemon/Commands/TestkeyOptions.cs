namespace Milter.Daemon.Commands;

/// <summary><c>dkim-milter testkey</c>'s command line: opendkim-testkey's <c>-d DOMAIN -s SELECTOR [-k KEYPATH] [-x CONFIG] [-v]</c>.</summary>
internal sealed record TestkeyOptions
{
    private static readonly Dictionary<string, ToolArguments.LongOption> LongOptions = new(StringComparer.Ordinal)
    {
        ["help"] = new("help", false),
    };

    public string? Domain { get; init; }

    public string? Selector { get; init; }

    public string? KeyPath { get; init; }

    public string? ConfigPath { get; init; }

    /// <summary>-v (repeatable, as opendkim-testkey's): show the records fetched and the keys loaded.</summary>
    public int Verbosity { get; init; }

    public bool Help { get; init; }

    /// <summary>Reads the command line; throws <see cref="FormatException"/> with the mistake in plain words.</summary>
    public static TestkeyOptions Parse(IReadOnlyList<string> args)
    {
        var options = new TestkeyOptions();
        foreach (var (name, value) in ToolArguments.Parse(args, "vh", "dskx", LongOptions))
        {
            options = name switch
            {
                "d" => options with { Domain = value!.TrimEnd('.') },
                "s" => options with { Selector = value },
                "k" => options with { KeyPath = value },
                "x" => options with { ConfigPath = value },
                "v" => options with { Verbosity = options.Verbosity + 1 },
                _ => options with { Help = true },
            };
        }

        if ((options.Domain is null) != (options.Selector is null))
        {
            throw new FormatException(options.Domain is null ? "-s needs -d DOMAIN too" : "-d needs -s SELECTOR too");
        }

        if (options.KeyPath is not null && options.Domain is null)
        {
            throw new FormatException("-k needs -d DOMAIN and -s SELECTOR (the record to compare the key with)");
        }

        if (options.Domain?.Length == 0 || options.Selector?.Length == 0)
        {
            throw new FormatException("-d and -s cannot be empty");
        }

        return options;
    }
}
