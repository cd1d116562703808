namespace Milter.Dkim.Keys;

/// <summary>
/// One "-----BEGIN label-----" ... "-----END label-----" block of a PEM file (RFC 7468), read leniently: CRLF
/// or LF line ends, indentation and trailing blanks, text before and between blocks, and RFC 1421 style
/// headers ("Proc-Type: 4,ENCRYPTED", written by <c>openssl genrsa -aes256 -traditional</c>), which
/// <see cref="System.Security.Cryptography.PemEncoding"/> refuses.
/// </summary>
/// <param name="Label">The label, e.g. "RSA PRIVATE KEY".</param>
/// <param name="Headers">RFC 1421 header lines ("Name: value") before the base64, if any.</param>
/// <param name="Base64">The base64 lines joined, without whitespace.</param>
internal sealed record PemBlock(string Label, IReadOnlyList<string> Headers, string Base64)
{
    private const string Dashes = "-----";

    /// <summary>True if an RFC 1421 header says the content is encrypted.</summary>
    public bool IsEncrypted => Headers.Any(header =>
        header.StartsWith("Proc-Type:", StringComparison.OrdinalIgnoreCase) && header.Contains("ENCRYPTED", StringComparison.OrdinalIgnoreCase)
        || header.StartsWith("DEK-Info:", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Every block in <paramref name="text"/>. Returns false with a plain-words <paramref name="error"/> when a
    /// BEGIN line has no matching END line (a file cut short is the usual cause).
    /// </summary>
    public static bool TryReadAll(string text, out List<PemBlock> blocks, out string? error)
    {
        blocks = [];
        error = null;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (!TryGetLabel(line, "BEGIN ", out string? label))
            {
                continue;
            }

            var headers = new List<string>();
            var base64 = new System.Text.StringBuilder();
            bool ended = false;
            for (i++; i < lines.Length; i++)
            {
                string content = lines[i].Trim();
                if (TryGetLabel(content, "END ", out string? endLabel))
                {
                    if (endLabel != label)
                    {
                        error = $"the PEM block '-----BEGIN {label}-----' ends with '-----END {endLabel}-----'";
                        return false;
                    }

                    ended = true;
                    break;
                }

                // Base64 never contains ':', so such a line is an RFC 1421 header.
                if (content.Contains(':', StringComparison.Ordinal))
                {
                    headers.Add(content);
                }
                else
                {
                    base64.Append(content);
                }
            }

            if (!ended)
            {
                error = $"'-----BEGIN {label}-----' has no matching '-----END {label}-----' line (is the file cut short?)";
                return false;
            }

            blocks.Add(new PemBlock(label, headers, base64.ToString()));
        }

        return true;
    }

    private static bool TryGetLabel(string line, string keyword, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? label)
    {
        label = null;
        if (!line.StartsWith(Dashes + keyword, StringComparison.Ordinal) || !line.EndsWith(Dashes, StringComparison.Ordinal)
            || line.Length < (2 * Dashes.Length) + keyword.Length)
        {
            return false;
        }

        label = line[(Dashes.Length + keyword.Length)..^Dashes.Length].Trim();
        return true;
    }
}
