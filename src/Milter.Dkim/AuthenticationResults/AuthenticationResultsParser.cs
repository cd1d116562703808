using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Milter.Dkim.AuthenticationResults;

/// <summary>
/// Reads the authserv-id of an incoming Authentication-Results field, so that fields claiming to be ours can be
/// deleted before ours is added. RFC 8601 §5: "an MTA ... MUST delete ... any instance of this header field
/// that claims, by virtue of its authentication service identifier, to have been added within its trust
/// boundary but that did not come directly from another trusted MTA".
/// </summary>
/// <remarks>
/// RFC 8601 §2.2: "authres-header-field = "Authentication-Results:" authserv-id [ CFWS authres-version ] ...",
/// "authserv-id = value" (a token or a quoted-string), with CFWS (whitespace, folding and nested comments)
/// allowed before it. A forger can use any of these forms, so all are understood. The token is read
/// leniently (up to whitespace, ';', '(' or '"'), which also keeps OpenDKIM's "id/jobid" form whole.
/// </remarks>
public static class AuthenticationResultsParser
{
    /// <summary>The authserv-id of a field value (what follows "Authentication-Results:").</summary>
    public static bool TryGetAuthservId(string value, [NotNullWhen(true)] out string? authservId) =>
        TryGetAuthservId(value, out authservId, out _);

    /// <summary>
    /// The authserv-id and the optional authres-version after it (null when absent). False when the value is
    /// empty or a comment or quoted-string is not closed.
    /// </summary>
    public static bool TryGetAuthservId(string value, [NotNullWhen(true)] out string? authservId, out int? version)
    {
        ArgumentNullException.ThrowIfNull(value);
        authservId = null;
        version = null;
        int position = 0;
        if (!SkipCfws(value, ref position) || position == value.Length)
        {
            return false;
        }

        if (value[position] == '"')
        {
            if (!TryReadQuotedString(value, ref position, out string? quoted) || quoted.Length == 0)
            {
                return false;
            }

            authservId = quoted;
        }
        else
        {
            int start = position;
            while (position < value.Length && value[position] is not (' ' or '\t' or '\r' or '\n' or ';' or '(' or '"'))
            {
                position++;
            }

            if (position == start)
            {
                return false;
            }

            authservId = value[start..position];
        }

        // [ CFWS authres-version ], authres-version = 1*DIGIT [CFWS]. Anything else is left to whoever reads the
        // results; the id is what deletion needs.
        if (SkipCfws(value, ref position))
        {
            int start = position;
            while (position < value.Length && char.IsAsciiDigit(value[position]))
            {
                position++;
            }

            if (position > start && int.TryParse(value.AsSpan(start, position - start), NumberStyles.None, CultureInfo.InvariantCulture, out int number))
            {
                version = number;
            }
        }

        return true;
    }

    /// <summary>
    /// True if the field claims <paramref name="ourAuthservId"/>: the same id, compared case-insensitively (it is
    /// normally a host name), or our id followed by "/" (OpenDKIM's AuthservIDWithJobID form). A field whose id
    /// cannot be read claims nothing.
    /// </summary>
    public static bool ClaimsAuthservId(string value, string ourAuthservId)
    {
        ArgumentException.ThrowIfNullOrEmpty(ourAuthservId);
        if (!TryGetAuthservId(value, out string? id))
        {
            return false;
        }

        return string.Equals(id, ourAuthservId, StringComparison.OrdinalIgnoreCase)
            || (id.Length > ourAuthservId.Length && id[ourAuthservId.Length] == '/'
                && id.StartsWith(ourAuthservId, StringComparison.OrdinalIgnoreCase));
    }

    // CFWS (RFC 5322 §3.2.2): whitespace, line breaks of folding, and comments, which nest and may hold
    // quoted-pairs. False when a comment is not closed.
    private static bool SkipCfws(string value, ref int position)
    {
        while (position < value.Length)
        {
            char c = value[position];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                position++;
            }
            else if (c == '(')
            {
                int depth = 0;
                do
                {
                    char inner = value[position];
                    if (inner == '\\')
                    {
                        position++;
                    }
                    else if (inner == '(')
                    {
                        depth++;
                    }
                    else if (inner == ')')
                    {
                        depth--;
                    }

                    position++;
                }
                while (depth > 0 && position < value.Length);

                if (depth > 0)
                {
                    return false;
                }
            }
            else
            {
                break;
            }
        }

        return true;
    }

    private static bool TryReadQuotedString(string value, ref int position, [NotNullWhen(true)] out string? content)
    {
        var text = new StringBuilder();
        for (position++; position < value.Length; position++)
        {
            char c = value[position];
            if (c == '"')
            {
                position++;
                content = text.ToString();
                return true;
            }

            if (c == '\\' && position + 1 < value.Length)
            {
                position++;
                c = value[position];
            }
            else if (c is '\r' or '\n')
            {
                // Folding inside a quoted-string is not part of its content.
                continue;
            }

            text.Append(c);
        }

        content = null;
        return false;
    }
}
