using System.Text;
using MimeKit;

namespace Milter.Daemon.Dkim;

/// <summary>
/// The sender a message is signed for: the first address in the first SenderHeaders header present (From by
/// default), parsed as RFC 5322 mailboxes by MimeKit, so display names, comments, quoted local parts, groups and
/// encoded words are handled the way a mail reader handles them. The domain is lower-cased, as OpenDKIM does
/// before it looks in its tables and puts it in d= for "%" keys.
/// </summary>
internal static class SenderAddress
{
    private static readonly ParserOptions Parser = CreateParserOptions();

    /// <summary>"user@domain", or null when no sender header is present or none holds a usable address.</summary>
    public static string? Find(IReadOnlyList<(string Name, byte[] RawValue)> headers, IReadOnlyList<string> senderHeaders)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(senderHeaders);
        foreach (string wanted in senderHeaders)
        {
            foreach (var (name, rawValue) in headers)
            {
                if (name.Equals(wanted, StringComparison.OrdinalIgnoreCase))
                {
                    // The first header of that name decides, as in OpenDKIM: a later one is not consulted.
                    return Parse(rawValue);
                }
            }
        }

        return null;
    }

    /// <summary>The first mailbox of a header value, or null.</summary>
    public static string? Parse(ReadOnlySpan<byte> rawValue)
    {
        if (!InternetAddressList.TryParse(Parser, rawValue.ToArray(), out var addresses))
        {
            return null;
        }

        var mailbox = addresses.Mailboxes.FirstOrDefault();
        if (mailbox is null || mailbox.Address.LastIndexOf('@') is not (> 0 and var at) || at == mailbox.Address.Length - 1)
        {
            return null;
        }

        string address = mailbox.Address;
        return string.Concat(address.AsSpan(0, at + 1), address[(at + 1)..].ToLowerInvariant());
    }

    private static ParserOptions CreateParserOptions()
    {
        var options = ParserOptions.Default.Clone();
        // RFC 6532: header values may be UTF-8.
        options.CharsetEncoding = Encoding.UTF8;
        return options;
    }
}
