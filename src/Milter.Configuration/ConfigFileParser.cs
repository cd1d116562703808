namespace Milter.Configuration;

/// <summary>
/// Reads opendkim.conf with OpenDKIM's rules: one <c>Name value</c> per line, separated by spaces or tabs;
/// <c>#</c> starts a comment anywhere on a line (the seed writes comments after values); names are
/// case-insensitive and must be known; a name without a value is an error; <c>Include</c> reads another file
/// in place.
/// </summary>
public static class ConfigFileParser
{
    private const int MaxIncludeDepth = 10;

    /// <summary>Reads and parses a file.</summary>
    /// <exception cref="ConfigurationException">The file cannot be read or has a mistake.</exception>
    public static ConfigFile Load(string path)
    {
        var entries = new Dictionary<string, ConfigEntry>(StringComparer.OrdinalIgnoreCase);
        LoadInto(entries, path, depth: 0);
        return new ConfigFile(path, entries);
    }

    /// <summary>Parses text that came from <paramref name="path"/>.</summary>
    public static ConfigFile Parse(string text, string path)
    {
        var entries = new Dictionary<string, ConfigEntry>(StringComparer.OrdinalIgnoreCase);
        ParseInto(entries, text, path, depth: 0);
        return new ConfigFile(path, entries);
    }

    private static void LoadInto(Dictionary<string, ConfigEntry> entries, string path, int depth)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, 0, "error reading configuration file", ex.Message);
        }

        ParseInto(entries, text, path, depth);
    }

    private static void ParseInto(Dictionary<string, ConfigEntry> entries, string text, string path, int depth)
    {
        int lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            string line = rawLine;
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Contains('\0', StringComparison.Ordinal))
            {
                // A NUL would reach the file APIs inside a path (Include, tables, keys), which throw ArgumentException.
                throw new ConfigurationException(path, lineNumber, "NUL byte in line", "a configuration file is text: remove the NUL (\\0) byte");
            }

            int space = line.AsSpan().IndexOfAny(' ', '\t');
            string name = space < 0 ? line : line[..space];
            string value = space < 0 ? "" : line[space..].Trim();
            if (!KnownParameters.All.Contains(name))
            {
                throw new ConfigurationException(path, lineNumber, "unrecognized parameter", UnknownNameHint(name));
            }

            if (value.Length == 0)
            {
                throw new ConfigurationException(path, lineNumber, "required value missing", $"write '{name} <value>' on one line");
            }

            if (name.Equals("Include", StringComparison.OrdinalIgnoreCase))
            {
                if (depth >= MaxIncludeDepth)
                {
                    throw new ConfigurationException(path, lineNumber, "Include nested too deeply", "is a file including itself?");
                }

                LoadInto(entries, value, depth + 1);
                continue;
            }

            entries[name] = new ConfigEntry(name, value, path, lineNumber);
        }
    }

    private static string UnknownNameHint(string name)
    {
        if (name.Contains('=', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal))
        {
            return "write the name, a space, then the value";
        }

        var close = KnownParameters.All
            .Select(known => (known, distance: EditDistance.Between(known.ToUpperInvariant(), name.ToUpperInvariant())))
            .Where(candidate => candidate.distance <= 2)
            .OrderBy(candidate => candidate.distance)
            .Select(candidate => candidate.known)
            .FirstOrDefault();
        return close is null ? $"'{name}' is not an OpenDKIM parameter" : $"'{name}' is not an OpenDKIM parameter; did you mean {close}?";
    }
}
