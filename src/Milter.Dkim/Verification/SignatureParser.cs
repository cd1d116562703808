using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.TagLists;

namespace Milter.Dkim.Verification;

/// <summary>
/// Parses DKIM-Signature fields with the checks of RFC 6376 §3.5 and §6.1.1. A failure carries the reason
/// Authentication-Results reports with permerror.
/// </summary>
public static class SignatureParser
{
    private static readonly string[] RequiredTags = ["v", "a", "b", "bh", "d", "h", "s"];

    /// <summary>Parses one field; on failure <paramref name="error"/> is the permerror reason.</summary>
    public static bool TryParse(HeaderField field, [NotNullWhen(true)] out DkimSignature? signature, [NotNullWhen(false)] out string? error)
    {
        signature = null;
        string text = Encoding.Latin1.GetString(field.RawValue.Span);
        if (!TagList.TryParse(text, out var tags, out string? syntax))
        {
            error = $"signature syntax error: {syntax}";
            return false;
        }

        if (tags["v"] is { } version && version != "1")
        {
            error = $"incompatible signature version v={version}";
            return false;
        }

        foreach (string required in RequiredTags)
        {
            if (tags[required] is null)
            {
                error = $"signature missing required tag {required}=";
                return false;
            }
        }

        string algorithmText = tags["a"]!;
        if (!DkimAlgorithms.TryParse(algorithmText, out var algorithm))
        {
            error = $"unsupported signature algorithm a={algorithmText}";
            return false;
        }

        if (!Canonicalizations.TryParse(tags["c"] ?? "simple/simple", out var canonicalization))
        {
            error = $"unsupported canonicalization c={tags["c"]}";
            return false;
        }

        if (tags["q"] is { } query && !query.Split(':').Any(method => method.Trim().Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
        {
            error = $"unsupported query method q={query}";
            return false;
        }

        string signatureText = TagList.RemoveWhitespace(tags["b"]!);
        string bodyHashText = TagList.RemoveWhitespace(tags["bh"]!);
        if (!TryBase64(signatureText, out byte[]? signatureBytes) || signatureBytes.Length == 0)
        {
            error = "signature syntax error: b= is not base64";
            return false;
        }

        if (!TryBase64(bodyHashText, out byte[]? bodyHash) || bodyHash.Length == 0)
        {
            error = "signature syntax error: bh= is not base64";
            return false;
        }

        string domain = tags["d"]!;
        string selector = tags["s"]!;
        if (domain.Length == 0 || selector.Length == 0)
        {
            error = "signature syntax error: empty d= or s=";
            return false;
        }

        var signedHeaders = tags["h"]!.Split(':').Select(name => name.Trim(' ', '\t', '\r', '\n')).ToList();
        if (signedHeaders.Any(name => name.Length == 0))
        {
            error = "signature syntax error: empty name in h=";
            return false;
        }

        if (!signedHeaders.Contains("From", StringComparer.OrdinalIgnoreCase))
        {
            error = "From field not signed";
            return false;
        }

        string identity = "@" + domain;
        if (tags["i"] is { } identityText)
        {
            identity = DecodeQuotedPrintable(identityText);
            int at = identity.LastIndexOf('@');
            string identityDomain = at < 0 ? "" : identity[(at + 1)..];
            if (at < 0 || !IsSameOrSubdomain(identityDomain, domain))
            {
                error = $"domain mismatch: i={identity} is not in d={domain}";
                return false;
            }
        }

        if (!TryNumber(tags["l"], 76, out long? bodyLength) || !TryNumber(tags["t"], 12, out long? timestamp) || !TryNumber(tags["x"], 12, out long? expiration))
        {
            error = "signature syntax error: l=, t= or x= is not a number";
            return false;
        }

        if (timestamp is not null && expiration is not null && expiration <= timestamp)
        {
            error = "invalid expiration: x= is not after t=";
            return false;
        }

        signature = new DkimSignature
        {
            Field = field,
            Algorithm = algorithm,
            AlgorithmText = algorithmText,
            Signature = signatureBytes,
            SignatureText = signatureText,
            BodyHash = bodyHash,
            Canonicalization = canonicalization.Value,
            Domain = domain,
            SignedHeaders = signedHeaders,
            Identity = identity,
            HasIdentity = tags.Contains("i"),
            BodyLength = bodyLength,
            Selector = selector,
            Timestamp = timestamp,
            Expiration = expiration,
        };
        error = null;
        return true;
    }

    /// <summary>True if <paramref name="candidate"/> is <paramref name="domain"/> or one of its subdomains (case-insensitive).</summary>
    public static bool IsSameOrSubdomain(string candidate, string domain) =>
        candidate.Equals(domain, StringComparison.OrdinalIgnoreCase)
        || candidate.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

    private static bool TryBase64(string text, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = new byte[text.Length * 3 / 4 + 3];
        if (Convert.TryFromBase64String(text, bytes, out int written))
        {
            bytes = bytes[..written];
            return true;
        }

        bytes = null;
        return false;
    }

    /// <summary>Digits only, at most <paramref name="maxDigits"/> of them; a value too large for a long (l= may
    /// have 76 digits) is clamped: no message is that long, and overflow must not wrap.</summary>
    private static bool TryNumber(string? text, int maxDigits, out long? value)
    {
        value = null;
        if (text is null)
        {
            return true;
        }

        if (text.Length == 0 || text.Length > maxDigits || text.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0)
        {
            return false;
        }

        value = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed : long.MaxValue;
        return true;
    }

    /// <summary>dkim-quoted-printable (RFC 6376 §2.11): =XX hex escapes, whitespace ignored.</summary>
    private static string DecodeQuotedPrintable(string text)
    {
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                continue;
            }

            if (c == '=' && i + 2 < text.Length && byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte decoded))
            {
                bytes.Add(decoded);
                i += 2;
            }
            else
            {
                bytes.Add((byte)c);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
