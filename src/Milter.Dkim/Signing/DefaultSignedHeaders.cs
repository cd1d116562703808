namespace Milter.Dkim.Signing;

/// <summary>OpenDKIM's default header lists (opendkim.conf(5), SignHeaders and OmitHeaders).</summary>
public static class DefaultSignedHeaders
{
    /// <summary>Headers signed when present (From always).</summary>
    public static IReadOnlyCollection<string> Eligible { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Resent-Date", "Resent-From", "Resent-Sender", "Resent-To",
        "Resent-Cc", "In-Reply-To", "References", "List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe",
        "List-Post", "List-Owner", "List-Archive",
    };

    /// <summary>Headers never signed: relays add or rewrite them (RFC 6376 §5.4.1), and a signature does not sign
    /// signatures.</summary>
    public static IReadOnlyCollection<string> Omitted { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Return-Path", "Received", "Comments", "Keywords", "Bcc", "Resent-Bcc", "DKIM-Signature",
    };
}
