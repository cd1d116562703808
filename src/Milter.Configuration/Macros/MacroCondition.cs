using Milter.Configuration.Datasets;

namespace Milter.Configuration.Macros;

/// <summary>
/// One MacroList entry: an MTA macro that must be set, and, when <see cref="Values"/> is not empty, set to one of
/// them exactly (case-sensitive, as in OpenDKIM). Written <c>name[=v1|v2]</c> in a <c>csl:</c> list or
/// <c>name v1|v2</c> on a dataset file line; the name with or without braces.
/// </summary>
public sealed record MacroCondition
{
    private MacroCondition(string name, IReadOnlyList<string> values, string source, int line)
    {
        Name = name;
        Values = values;
        Source = source;
        Line = line;
    }

    /// <summary>The macro name without braces: <c>daemon_name</c>, <c>i</c>.</summary>
    public string Name { get; }

    /// <summary>The accepted values; empty when any value (even an empty one) will do.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>The dataset file (or configuration file, for <c>csl:</c>) the entry is in.</summary>
    public string Source { get; }

    /// <summary>Its line there.</summary>
    public int Line { get; }

    /// <summary>True if the macro is set and, when values are listed, equals one of them.</summary>
    public bool IsMetBy(string? value) => value is not null && (Values.Count == 0 || Values.Contains(value, StringComparer.Ordinal));

    /// <summary>Parses one dataset entry.</summary>
    /// <exception cref="ConfigurationException">No macro name, or a malformed one, with the entry's file and line.</exception>
    public static MacroCondition Parse(DatasetEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string name = entry.Key;
        string values = entry.Value;
        int equals = name.IndexOf('=', StringComparison.Ordinal);
        if (equals >= 0)
        {
            // A file line "daemon_name=ORIGINATING" (the csl: spelling in a file). OpenDKIM takes the whole
            // thing as a macro name that never exists, silently; reading it as intended is the useful choice.
            if (values.Length > 0)
            {
                throw Problem(entry, $"write either '{name[..equals]} {name[(equals + 1)..]}' or '{name}', not both");
            }

            values = name[(equals + 1)..];
            name = name[..equals];
        }

        // OpenDKIM adds the braces itself (so "{daemon_name}" in its MacroList never matches); accept both.
        if (name.Length >= 2 && name[0] == '{' && name[^1] == '}')
        {
            name = name[1..^1];
        }

        if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || c is '{' or '}' or '|' or '='))
        {
            throw Problem(entry, "write a macro name such as daemon_name or {daemon_name}, optionally =VALUE1|VALUE2");
        }

        // "a|" is "a" (OpenDKIM splits with strtok, which skips empty fields); "name=" is just "name".
        var accepted = values.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new MacroCondition(name, accepted, entry.Source, entry.Line);
    }

    private static ConfigurationException Problem(DatasetEntry entry, string hint) =>
        new(entry.Source, entry.Line, $"'{entry.Key}' is not a valid MacroList entry", hint);
}
