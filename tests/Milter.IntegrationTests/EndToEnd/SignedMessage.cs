using System.Text;
using System.Text.RegularExpressions;
using Milter.IntegrationTests.Milter;

namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// A message as Postfix delivered it to the maildir, with what the tests look at: its DKIM-Signature fields as tag
/// lists (top first), the queue id Postfix gave it, and its wire form (CRLF) for dkimpy.
/// </summary>
internal sealed partial class SignedMessage
{
    private const string SignatureFieldName = "DKIM-Signature";

    public SignedMessage(byte[] delivered)
    {
        ArgumentNullException.ThrowIfNull(delivered);
        Delivered = new DeliveredMessage(delivered);
        // The maildir holds LF lines; on the wire (and for a verifier) every line ends in CRLF. Our test messages
        // contain no bare CR, so this is exact.
        Wire = Encoding.UTF8.GetBytes(Delivered.Text.Replace("\n", "\r\n", StringComparison.Ordinal));
        Signatures = Delivered.Fields
            .Where(field => field.StartsWith(SignatureFieldName + ":", StringComparison.OrdinalIgnoreCase))
            .Select(field => ParseTags(field[(SignatureFieldName.Length + 1)..]))
            .ToList();
    }

    public DeliveredMessage Delivered { get; }

    public byte[] Wire { get; }

    /// <summary>Each DKIM-Signature field's tags (whitespace removed from values), topmost field first.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Signatures { get; }

    /// <summary>The id in Postfix's own Received field ("... id 4Xk2...;"): the queue id the milter saw as macro i.</summary>
    public string QueueId
    {
        get
        {
            string received = Delivered.Fields.FirstOrDefault(candidate => candidate.StartsWith("Received:", StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException("no Received field:\n" + Delivered.HeaderBlock);
            var match = ReceivedId().Match(received);
            return match.Success ? match.Groups[1].Value : throw new InvalidOperationException("no queue id in " + received);
        }
    }

    /// <summary>The unfolded value of the first field named <paramref name="name"/>, without the leading space; null if absent.</summary>
    public string? Header(string name)
    {
        int index = Delivered.IndexOf(name);
        return index < 0 ? null : Delivered.Fields[index][(name.Length + 1)..].Replace("\n", "", StringComparison.Ordinal).Trim();
    }

    /// <summary>The h= list split at colons (names as the signer wrote them).</summary>
    public static IReadOnlyList<string> SignedHeaderNames(IReadOnlyDictionary<string, string> signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return signature["h"].Split(':');
    }

    /// <summary>RFC 6376 §3.2 tag list; folding whitespace inside values is dropped (b=, bh=, h= are folded).</summary>
    private static Dictionary<string, string> ParseTags(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string part in value.Split(';'))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            string name = part[..equals].Trim();
            tags[name] = Whitespace().Replace(part[(equals + 1)..], "");
        }

        return tags;
    }

    [GeneratedRegex(@"\sid ([0-9A-Za-z]+)")]
    private static partial Regex ReceivedId();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
