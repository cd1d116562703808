namespace Milter.Daemon.Commands;

/// <summary>
/// Command-line reading for the tools that stand in for opendkim-genkey and opendkim-testkey, which read theirs
/// with getopt (testkey) and Perl's Getopt::Long with bundling (genkey): single-letter flags may be grouped
/// (<c>-rt</c>), a letter's value may follow it in the same argument or the next one (<c>-b2048</c>, <c>-b 2048</c>),
/// long names take <c>--name=value</c> or <c>--name value</c>, and <c>--</c> ends the options. Every option comes
/// back under one name (the letter when it has one), in the order given.
/// </summary>
internal static class ToolArguments
{
    /// <summary>One long option: the name it is reported under, and whether it takes a value.</summary>
    public readonly record struct LongOption(string Name, bool TakesValue);

    /// <summary>
    /// Reads <paramref name="args"/>. <paramref name="flags"/> are the letters without a value,
    /// <paramref name="valued"/> those with one. Throws <see cref="FormatException"/> naming the first mistake.
    /// </summary>
    public static List<(string Name, string? Value)> Parse(
        IReadOnlyList<string> args, string flags, string valued, IReadOnlyDictionary<string, LongOption> longOptions)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(longOptions);
        var options = new List<(string, string?)>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                if (i + 1 < args.Count)
                {
                    throw new FormatException($"unexpected argument '{args[i + 1]}'");
                }

                break;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                string name = arg[2..];
                string? value = null;
                int equals = name.IndexOf('=', StringComparison.Ordinal);
                if (equals >= 0)
                {
                    value = name[(equals + 1)..];
                    name = name[..equals];
                }

                if (!longOptions.TryGetValue(name, out var option))
                {
                    throw new FormatException($"unknown option --{name}");
                }

                if (option.TakesValue)
                {
                    value ??= i + 1 < args.Count ? args[++i] : throw new FormatException($"--{name} needs a value");
                }
                else if (value is not null)
                {
                    throw new FormatException($"--{name} takes no value");
                }

                options.Add((option.Name, value));
                continue;
            }

            if (arg.Length < 2 || arg[0] != '-')
            {
                throw new FormatException($"unexpected argument '{arg}'");
            }

            for (int j = 1; j < arg.Length; j++)
            {
                char letter = arg[j];
                if (flags.Contains(letter, StringComparison.Ordinal))
                {
                    options.Add((new string(letter, 1), null));
                }
                else if (valued.Contains(letter, StringComparison.Ordinal))
                {
                    string value = j + 1 < arg.Length ? arg[(j + 1)..]
                        : i + 1 < args.Count ? args[++i]
                        : throw new FormatException($"-{letter} needs a value");
                    options.Add((new string(letter, 1), value));
                    break;
                }
                else
                {
                    throw new FormatException($"unknown option -{letter}");
                }
            }
        }

        return options;
    }
}
