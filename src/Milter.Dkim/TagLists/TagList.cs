using System.Diagnostics.CodeAnalysis;

namespace Milter.Dkim.TagLists;

/// <summary>
/// An RFC 6376 §3.2 tag list (<c>a=rsa-sha256; d=example.com; ...</c>), as in DKIM-Signature fields and key
/// records. Tag names are case-sensitive; whitespace (including folding) is allowed around names, '=' and ';';
/// a trailing ';' is allowed; a repeated tag makes the whole list invalid; unknown tags are kept (callers
/// ignore what they do not know).
/// </summary>
public sealed class TagList
{
    private readonly Dictionary<string, string> _values;

    private TagList(List<KeyValuePair<string, string>> tags)
    {
        Tags = tags;
        _values = tags.ToDictionary(tag => tag.Key, tag => tag.Value, StringComparer.Ordinal);
    }

    /// <summary>The tags in order, values with surrounding whitespace removed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; }

    /// <summary>The value of <paramref name="name"/>, or null if absent.</summary>
    public string? this[string name] => _values.GetValueOrDefault(name);

    /// <summary>True if the tag is present.</summary>
    public bool Contains(string name) => _values.ContainsKey(name);

    /// <summary>Parses a tag list; on failure <paramref name="error"/> says why in plain words.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out TagList? list, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        list = null;
        var tags = new List<KeyValuePair<string, string>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var specs = text.Split(';');
        for (int i = 0; i < specs.Length; i++)
        {
            string spec = specs[i];
            if (IsBlank(spec))
            {
                // Only the last one may be empty: "a=b;" is fine, "a=b;;c=d" is not.
                if (i == specs.Length - 1)
                {
                    break;
                }

                error = "empty tag in tag list";
                return false;
            }

            int equals = spec.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                error = $"tag without '=': '{spec.Trim()}'";
                return false;
            }

            string name = TrimWhitespace(spec[..equals]);
            if (!IsTagName(name))
            {
                error = $"invalid tag name '{name}'";
                return false;
            }

            string value = TrimWhitespace(spec[(equals + 1)..]);
            if (!seen.Add(name))
            {
                error = $"duplicate tag '{name}'";
                return false;
            }

            tags.Add(new(name, value));
        }

        list = new TagList(tags);
        error = null;
        return true;
    }

    /// <summary>Removes every whitespace character (FWS, and CR/LF of folding) from a value: what b=, bh= and p=
    /// need, since whitespace inside them carries no meaning.</summary>
    public static string RemoveWhitespace(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.AsSpan().IndexOfAny(" \t\r\n") < 0
            ? value
            : string.Concat(value.Where(c => c is not (' ' or '\t' or '\r' or '\n')));
    }

    private static bool IsBlank(string text) => text.AsSpan().IndexOfAnyExcept(" \t\r\n") < 0;

    private static string TrimWhitespace(string text) => text.Trim(' ', '\t', '\r', '\n');

    // tag-name = ALPHA *ALNUMPUNC, ALNUMPUNC = ALPHA / DIGIT / "_"
    private static bool IsTagName(string name) =>
        name.Length > 0 && char.IsAsciiLetter(name[0]) && name.AsSpan(1).IndexOfAnyExcept(TagNameCharacters) < 0;

    private static readonly System.Buffers.SearchValues<char> TagNameCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
}
