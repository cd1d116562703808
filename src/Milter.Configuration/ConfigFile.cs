using System.Globalization;

namespace Milter.Configuration;

/// <summary>
/// A parsed opendkim.conf: for each parameter the line that set it last (a repeated name: the last wins, as in
/// OpenDKIM). Typed getters report an illegal value with its file and line.
/// </summary>
public sealed class ConfigFile
{
    private readonly Dictionary<string, ConfigEntry> _entries;

    internal ConfigFile(string path, Dictionary<string, ConfigEntry> entries)
    {
        Path = path;
        _entries = entries;
    }

    /// <summary>The top-level file.</summary>
    public string Path { get; }

    /// <summary>Every parameter set, by name (case-insensitive).</summary>
    public IReadOnlyDictionary<string, ConfigEntry> Entries => _entries;

    /// <summary>The entry for <paramref name="name"/>, or null if not set.</summary>
    public ConfigEntry? Find(string name) => _entries.GetValueOrDefault(name);

    /// <summary>A string value, or <paramref name="defaultValue"/> if not set.</summary>
    public string? GetString(string name, string? defaultValue = null) => Find(name)?.Value ?? defaultValue;

    /// <summary>
    /// A boolean as OpenDKIM reads it: only the first character counts, <c>T t Y y 1</c> true and
    /// <c>F f N n 0</c> false; anything else is an illegal value.
    /// </summary>
    public bool GetBoolean(string name, bool defaultValue)
    {
        if (Find(name) is not { } entry)
        {
            return defaultValue;
        }

        return entry.Value[0] switch
        {
            'T' or 't' or 'Y' or 'y' or '1' => true,
            'F' or 'f' or 'N' or 'n' or '0' => false,
            _ => throw new ConfigurationException(entry.File, entry.Line, "illegal value", $"{entry.Name} takes yes or no, not '{entry.Value}'"),
        };
    }

    /// <summary>An integer as OpenDKIM reads it (strtol base 0): <c>0x</c> hex, leading <c>0</c> octal, else decimal.</summary>
    public long GetInteger(string name, long defaultValue)
    {
        if (Find(name) is not { } entry)
        {
            return defaultValue;
        }

        return TryParseInteger(entry.Value, out long value)
            ? value
            : throw new ConfigurationException(entry.File, entry.Line, "illegal value", $"{entry.Name} takes a number, not '{entry.Value}'");
    }

    internal static bool TryParseInteger(string text, out long value)
    {
        bool negative = text.StartsWith('-');
        string digits = negative ? text[1..] : text;
        bool ok;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            ok = long.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            value = 0;
            ok = digits.All(c => c is >= '0' and <= '7');
            foreach (char c in ok ? digits : "")
            {
                value = value * 8 + (c - '0');
            }
        }
        else
        {
            ok = long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }

        value = negative ? -value : value;
        return ok;
    }
}
