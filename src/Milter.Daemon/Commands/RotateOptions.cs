using System.Globalization;

namespace Milter.Daemon.Commands;

/// <summary><c>dkim-milter rotate</c>'s command line.</summary>
internal sealed record RotateOptions
{
    /// <summary>How long a retired selector's record stays published by default: a week covers mail still queued or delayed.</summary>
    public const int DefaultGraceDays = 7;

    private static readonly Dictionary<string, ToolArguments.LongOption> LongOptions = new(StringComparer.Ordinal)
    {
        ["help"] = new("help", false),
        ["retire"] = new("retire", false),
        ["grace"] = new("grace", true),
    };

    public string? Domain { get; init; }

    /// <summary>-k: the KeyTable name of the key to replace, when the domain signs with more than one.</summary>
    public string? KeyName { get; init; }

    /// <summary>-s: the new selector (default: today's date, yyyyMMdd, with a letter added when taken).</summary>
    public string? Selector { get; init; }

    public string? ConfigPath { get; init; }

    /// <summary>--grace DAYS: how long the replaced selector must stay published before --retire removes it.</summary>
    public int GraceDays { get; init; } = DefaultGraceDays;

    /// <summary>--retire: remove replaced keys whose grace period is over.</summary>
    public bool Retire { get; init; }

    public bool Help { get; init; }

    /// <summary>Reads the command line; throws <see cref="FormatException"/> with the mistake in plain words.</summary>
    public static RotateOptions Parse(IReadOnlyList<string> args)
    {
        var options = new RotateOptions();
        foreach (var (name, value) in ToolArguments.Parse(args, "h", "dksx", LongOptions))
        {
            options = name switch
            {
                "d" => options with { Domain = value!.TrimEnd('.') },
                "k" => options with { KeyName = value },
                "s" => options with { Selector = value },
                "x" => options with { ConfigPath = value },
                "retire" => options with { Retire = true },
                "grace" => options with { GraceDays = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int days) && days <= 3650 ? days : throw new FormatException($"--grace takes a number of days (0 to 3650), not '{value}'") },
                _ => options with { Help = true },
            };
        }

        if (!options.Help && string.IsNullOrEmpty(options.Domain))
        {
            throw new FormatException("-d DOMAIN is required: the domain whose key is rotated");
        }

        if (options.Selector is { } selector && (selector.Length == 0 || selector.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))))
        {
            throw new FormatException($"-s '{selector}' is not a usable selector (letters, digits, '-', '_' and '.')");
        }

        return options;
    }
}
