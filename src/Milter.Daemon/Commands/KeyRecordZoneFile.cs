using System.Text;

namespace Milter.Daemon.Commands;

/// <summary>
/// The DNS TXT record of a new key, as the strings DNS carries and as <c>SELECTOR.txt</c> in opendkim-genkey's
/// zone-file layout (measured on Debian 12's opendkim-tools 2.11; docs/TOOLS.md):
/// <code>
/// SEL._domainkey	IN	TXT	( "v=DKIM1; h=sha256; k=rsa; "
/// 	  "p=MIIBIjAN...(250 characters of key)"
/// 	  "...the rest" )  ; ----- DKIM key SEL for DOMAIN
/// </code>
/// Tags in opendkim-genkey's order (v, n, h, k, t, s, then p); the key in pieces of 250 characters, so that every
/// string stays under DNS's 255-byte limit with <c>p=</c> in front of the first; with -a the owner is the absolute
/// <c>SEL._domainkey.DOMAIN.</c>. Where opendkim-genkey could exceed 255 (a long note) the tag string is split too.
/// </summary>
internal static class KeyRecordZoneFile
{
    /// <summary>The key data per string, as opendkim-genkey cuts it.</summary>
    public const int KeyPiece = 250;

    /// <summary>DNS's limit for one TXT string (its length is one byte).</summary>
    public const int MaxStringLength = 255;

    /// <summary>The record's strings, in order; joined without separator they are the key record (RFC 6376 §3.6.2.2).</summary>
    public static IReadOnlyList<string> Strings(GenkeyOptions options, string publicKey)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(publicKey);
        var strings = new List<string>();
        string tags = Tags(options);
        for (int start = 0; start < tags.Length; start += MaxStringLength)
        {
            strings.Add(tags.Substring(start, Math.Min(MaxStringLength, tags.Length - start)));
        }

        for (int start = 0; start < publicKey.Length; start += KeyPiece)
        {
            string piece = publicKey.Substring(start, Math.Min(KeyPiece, publicKey.Length - start));
            strings.Add(start == 0 ? "p=" + piece : piece);
        }

        return strings;
    }

    /// <summary>The owner name written at the start of the line.</summary>
    public static string OwnerName(GenkeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AppendDomain ? $"{options.Selector}._domainkey.{options.Domain}." : $"{options.Selector}._domainkey";
    }

    /// <summary>The whole <c>SELECTOR.txt</c>, ending in a newline.</summary>
    public static string Text(GenkeyOptions options, string publicKey)
    {
        var text = new StringBuilder();
        text.Append(OwnerName(options)).Append("\tIN\tTXT\t( ");
        text.AppendJoin("\n\t  ", Strings(options, publicKey).Select(Quote));
        text.Append(" )  ; ----- DKIM key ").Append(options.Selector).Append(" for ").Append(options.Domain).Append('\n');
        return text.ToString();
    }

    // "v=DKIM1; n=\"NOTE\"; h=sha256; k=rsa; t=y:s; s=email; " — opendkim-genkey's order and spacing, the trailing
    // space included.
    private static string Tags(GenkeyOptions options)
    {
        var tags = new StringBuilder("v=DKIM1;");
        if (options.Note is { } note)
        {
            tags.Append(" n=\"").Append(note).Append("\";");
        }

        if (options.HashAlgorithms.Length > 0)
        {
            tags.Append(" h=").Append(options.HashAlgorithms).Append(';');
        }

        tags.Append(" k=").Append(options.KeyType == GeneratedKeyType.Ed25519 ? "ed25519" : "rsa").Append("; ");
        string flags = (options.TestMode, options.NoSubdomains) switch
        {
            (true, true) => "t=y:s;",
            (true, false) => "t=y;",
            (false, true) => "t=s;",
            _ => "",
        };
        if (options.Restrict)
        {
            flags += flags.Length > 0 ? " s=email;" : "s=email;";
        }

        if (flags.Length > 0)
        {
            tags.Append(flags).Append(' ');
        }

        return tags.ToString();
    }

    // A zone-file character-string: quotes and backslashes escaped (RFC 1035 §5.1).
    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
