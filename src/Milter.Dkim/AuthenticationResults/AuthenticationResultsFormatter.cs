using System.Globalization;
using System.Text;
using Milter.Dkim.Verification;

namespace Milter.Dkim.AuthenticationResults;

/// <summary>
/// Writes the Authentication-Results field (RFC 8601) for a verified message, byte for byte as OpenDKIM 2.11
/// does. RFC 8601 §2.2: "authres-header-field = "Authentication-Results:" authserv-id [ CFWS authres-version ]
/// ( no-result / 1*resinfo ) CRLF"; each resinfo is "; method=result [reason] *propspec".
/// </summary>
/// <remarks>
/// OpenDKIM's layout, captured from /usr/sbin/opendkim (Debian 2.11.0~beta2) through miltertest:
/// <code>
///  mx.example.net;
/// 	dkim=pass (2048-bit key) header.d=example.com header.i=@example.com header.a=rsa-sha256 header.s=sel header.b=YTLy6VUc;
/// 	dkim=fail reason="signature verification failed" (2048-bit key) header.d=... header.b=...;
/// 	dkim-atps=neutral
/// </code>
/// ONE field per message with one result per signature (not one field per signature); each result on its own
/// line, folded with a tab; no folding inside a result however long. Unsigned mail: " mx.example.net;
/// dkim=none; dkim-atps=neutral" on one line. The key-size comment appears only when a key was found and is
/// RSA (OpenDKIM prints none for Ed25519). Values are printed as they are, like OpenDKIM (header.b may hold '/'
/// or '+'), except that a value which would break the field's structure (whitespace, ';', '(', '"', control
/// characters) is written as a quoted-string so a hostile i= or d= cannot forge extra results.
/// </remarks>
public static class AuthenticationResultsFormatter
{
    /// <summary>
    /// RFC 6008 §4: header.b carries "the first 8 or more characters of the signature's b= value"; OpenDKIM
    /// starts at 8.
    /// </summary>
    public const int MinimumSignaturePrefix = 8;

    /// <summary>
    /// The field value, i.e. what follows "Authentication-Results:": it starts with a space and folds with
    /// <see cref="AuthenticationResultsOptions.NewLine"/> + TAB. No results gives "dkim=none" (OpenDKIM's
    /// AlwaysAddARHeader).
    /// </summary>
    /// <param name="authservId">Our authserv-id (AuthservID, else the MTA's name).</param>
    /// <param name="results">One result per signature, in the order the signatures appear in the message.</param>
    /// <param name="options">Layout choices; <see cref="AuthenticationResultsOptions.Default"/> when null.</param>
    public static string Format(string authservId, IReadOnlyList<DkimResult> results, AuthenticationResultsOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(authservId);
        ArgumentNullException.ThrowIfNull(results);
        options ??= AuthenticationResultsOptions.Default;

        var field = new StringBuilder(128 + (results.Count * 192));
        field.Append(' ').Append(Value(authservId)).Append(';');
        string fold = options.NewLine + "\t";
        if (results.Count == 0)
        {
            // RFC 8601 §2.7.1: "none: The message was not signed."
            field.Append(" dkim=none");
            if (options.AddAtpsNeutral)
            {
                field.Append("; dkim-atps=neutral");
            }

            return field.ToString();
        }

        int prefixLength = SignaturePrefixLength(results);
        for (int i = 0; i < results.Count; i++)
        {
            if (i > 0)
            {
                field.Append(';');
            }

            field.Append(fold);
            AppendResult(field, results[i], prefixLength, options.Dnssec);
        }

        if (options.AddAtpsNeutral)
        {
            field.Append(';').Append(fold).Append("dkim-atps=neutral");
        }

        return field.ToString();
    }

    /// <summary>
    /// How many characters of b= every header.b shows: 8, or more when two different signatures share a longer
    /// prefix — one more than the longest common prefix of any two, applied to all (RFC 6008 §4: "enough to
    /// uniquely identify"). Identical b= values cannot be told apart and are left at 8, as OpenDKIM does.
    /// </summary>
    internal static int SignaturePrefixLength(IReadOnlyList<DkimResult> results)
    {
        int length = MinimumSignaturePrefix;
        for (int i = 0; i < results.Count; i++)
        {
            for (int j = i + 1; j < results.Count; j++)
            {
                if (results[i].Signature is { Length: > 0 } first && results[j].Signature is { Length: > 0 } second
                    && !string.Equals(first, second, StringComparison.Ordinal))
                {
                    length = Math.Max(length, first.AsSpan().CommonPrefixLength(second) + 1);
                }
            }
        }

        return length;
    }

    private static void AppendResult(StringBuilder field, DkimResult result, int prefixLength, KeyDnssecStatus dnssec)
    {
        field.Append("dkim=").Append(ResultName(result.Status));

        // RFC 8601 §2.2 reasonspec: "reason" [CFWS] "=" [CFWS] value; OpenDKIM always quotes it.
        if (result.Status is not (DkimResultStatus.Pass or DkimResultStatus.None) && !string.IsNullOrEmpty(result.Reason))
        {
            field.Append(" reason=").Append(Quote(result.Reason));
        }

        if (result.KeyBits is { } bits && !IsEd25519(result.Algorithm))
        {
            field.Append(" (").Append(bits.ToString(CultureInfo.InvariantCulture)).Append("-bit key").Append(dnssec switch
            {
                KeyDnssecStatus.Unprotected => "; unprotected",
                KeyDnssecStatus.Secure => "; secure",
                _ => "",
            }).Append(')');
        }

        // RFC 6008 §4 / RFC 8601 §2.7.1: header.d, header.i, header.a, header.s, header.b, in OpenDKIM's order.
        if (result.Domain is { Length: > 0 } domain)
        {
            field.Append(" header.d=").Append(Value(domain));
        }

        string? identity = result.Identity is { Length: > 0 } ? result.Identity : result.Domain is { Length: > 0 } ? "@" + result.Domain : null;
        if (identity is not null)
        {
            field.Append(" header.i=").Append(Value(identity));
        }

        if (result.Algorithm is { Length: > 0 } algorithm)
        {
            field.Append(" header.a=").Append(Value(algorithm));
        }

        if (result.Selector is { Length: > 0 } selector)
        {
            field.Append(" header.s=").Append(Value(selector));
        }

        if (result.Signature is { Length: > 0 } signature)
        {
            field.Append(" header.b=").Append(Value(signature[..Math.Min(prefixLength, signature.Length)]));
        }
    }

    // RFC 8601 §2.7.1 result values for the dkim method.
    private static string ResultName(DkimResultStatus status) => status switch
    {
        DkimResultStatus.None => "none",
        DkimResultStatus.Pass => "pass",
        DkimResultStatus.Fail => "fail",
        DkimResultStatus.Neutral => "neutral",
        DkimResultStatus.Policy => "policy",
        DkimResultStatus.TempError => "temperror",
        DkimResultStatus.PermError => "permerror",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    private static bool IsEd25519(string? algorithm) => algorithm?.StartsWith("ed25519", StringComparison.OrdinalIgnoreCase) == true;

    // As-is unless the value would end the token early or open a comment/quote: then a quoted-string.
    private static string Value(string value)
    {
        foreach (char c in value)
        {
            if (c <= ' ' || c is ';' or '(' or ')' or '"' or '\\' or '\u007f')
            {
                return Quote(value);
            }
        }

        return value;
    }

    // quoted-string (RFC 5322 §3.2.4): '"' and '\' escaped; control characters (CR, LF...) dropped so the value
    // cannot break out of the field.
    private static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            if (c is '"' or '\\')
            {
                quoted.Append('\\').Append(c);
            }
            else if (c >= ' ' && c != '\u007f')
            {
                quoted.Append(c);
            }
        }

        return quoted.Append('"').ToString();
    }
}
