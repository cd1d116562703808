using System.Text.RegularExpressions;

namespace Milter.IntegrationTests.Inbound;

/// <summary>One inbound test message: its wire text (CRLF) and the b= value of each of its signatures, top first.</summary>
public sealed record InboundMessage(string Name, string Text, IReadOnlyList<string> SignatureValues)
{
    /// <summary>The Message-ID field that identifies this message once delivered.</summary>
    public string MessageIdField => $"Message-ID: <{Name}@{InboundKeys.Domain}>";

    /// <summary>What Authentication-Results shows of signature <paramref name="index"/>: the first 8 characters of b=.</summary>
    public string HeaderB(int index = 0) => SignatureValues[index][..8];
}

/// <summary>
/// Every inbound message the tests send, signed by dkimpy with <see cref="InboundKeys"/>. The messages are the ones
/// docs/measurements/opendkim-2.11-verify-and-sign.md measured OpenDKIM with: From an outside domain, five signed
/// headers, a two-line body.
/// </summary>
public sealed partial class InboundCorpus
{
    public const string ValidRelaxedSimple = "valid-relaxed-simple";
    public const string ValidSimpleSimple = "valid-simple-simple";
    public const string ValidEd25519 = "valid-ed25519";
    public const string BodyTampered = "body-tampered";
    public const string HeaderTampered = "header-tampered";
    public const string KeyNxDomain = "key-nxdomain";
    public const string KeyRevoked = "key-revoked";
    public const string Key512Bits = "key-512-bits";
    public const string GoodThenBad = "two-signatures-good-then-bad";
    public const string NoSignature = "unsigned";
    public const string RsaSha1 = "rsa-sha1";
    public const string DnsServFail = "dns-servfail";
    public const string DnsTimeout = "dns-timeout";
    public const string Malformed = "malformed-signature";
    public const string ForgedResults = "forged-results";

    /// <summary>The authserv-id both milters are configured with (also Postfix's myhostname).</summary>
    public const string AuthservId = "mx.test.example";

    /// <summary>An incoming Authentication-Results field claiming our authserv-id: a forgery to be removed.</summary>
    public const string ForgedOwnResults = $"Authentication-Results: {AuthservId}; dkim=pass header.d=example.net header.s=sel2048";

    /// <summary>An incoming Authentication-Results field of another host: to be kept.</summary>
    public const string OtherHostResults = "Authentication-Results: relay.other.example; spf=pass smtp.mailfrom=example.net";

    private const string Body = "Hello.\r\nThis is a test.\r\n";
    private static readonly string[] SignedHeaders = ["From", "To", "Subject", "Date", "Message-ID"];

    private readonly Dictionary<string, InboundMessage> _messages;

    private InboundCorpus(Dictionary<string, InboundMessage> messages, string ed25519Public)
    {
        _messages = messages;
        Ed25519Public = ed25519Public;
    }

    /// <summary>The raw Ed25519 public key of <see cref="InboundKeys.Ed25519Seed"/>, base64, for its DNS record.</summary>
    public string Ed25519Public { get; }

    public InboundMessage this[string name] => _messages[name];

    internal static async Task<InboundCorpus> CreateAsync(InboundKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        const string Net = InboundKeys.Domain;
        // (case, selector, domain, algorithm, key, header c=, body c=): one dkimpy signature each.
        var plan = new (string Case, string Selector, string Domain, string Algorithm, string Key, string Header, string Body)[]
        {
            (ValidRelaxedSimple, InboundKeys.GoodSelector, Net, "rsa-sha256", keys.Rsa2048, "relaxed", "simple"),
            (ValidSimpleSimple, InboundKeys.GoodSelector, Net, "rsa-sha256", keys.Rsa2048, "simple", "simple"),
            (ValidEd25519, InboundKeys.Ed25519Selector, Net, "ed25519-sha256", keys.Ed25519Seed, "relaxed", "simple"),
            (BodyTampered, InboundKeys.GoodSelector, Net, "rsa-sha256", keys.Rsa2048, "relaxed", "simple"),
            (HeaderTampered, InboundKeys.GoodSelector, Net, "rsa-sha256", keys.Rsa2048, "relaxed", "simple"),
            (KeyNxDomain, InboundKeys.MissingSelector, Net, "rsa-sha256", keys.Rsa2048, "relaxed", "simple"),
            (KeyRevoked, InboundKeys.RevokedSelector, Net, "rsa-sha256", keys.Rsa2048, "relaxed", "simple"),
            (Key512Bits, InboundKeys.SmallKeySelector, Net, "rsa-sha256", keys.Rsa512, "relaxed", "simple"),
            (GoodThenBad, InboundKeys.GoodSelector, Net, "rsa-sha256", keys.Rsa2048, "relaxed", "simple"),
            (GoodThenBad, InboundKeys.MismatchSelector, InboundKeys.OtherDomain, "rsa-sha256", keys.OtherSigner, "relaxed", "simple"),
            (RsaSha1, InboundKeys.GoodSelector, Net, "rsa-sha1", keys.Rsa2048, "relaxed", "simple"),
            (DnsServFail, InboundKeys.ServFailSelector, Net, "rsa-sha256", keys.Rsa2048, "relaxed", "simple"),
            (DnsTimeout, InboundKeys.TimeoutSelector, Net, "rsa-sha256", keys.Rsa2048, "relaxed", "simple"),
            (ForgedResults, InboundKeys.GoodSelector, Net, "rsa-sha256", keys.Rsa2048, "relaxed", "simple"),
        };
        var jobs = plan.Select(p => new SigningJob(Bare(p.Case), p.Selector, p.Domain, p.Algorithm, p.Key, p.Header, p.Body, SignedHeaders)).ToList();
        var (signatures, ed25519Public) = await DkimpySigner.SignAsync(jobs, [keys.Ed25519Seed]);

        var signaturesOf = plan.Select((p, i) => (p.Case, Signature: signatures[i])).GroupBy(s => s.Case)
            .ToDictionary(g => g.Key, g => g.Select(s => s.Signature).ToList());
        var messages = new Dictionary<string, InboundMessage>(StringComparer.Ordinal);
        void Add(string name, string text, IReadOnlyList<string>? fields = null) =>
            messages[name] = new InboundMessage(name, text, (fields ?? []).Select(BValue).ToList());

        foreach (var (name, fields) in signaturesOf)
        {
            // Signatures on top of the message, in the order signed (the two-signature message: good one first).
            string signed = string.Concat(fields) + Bare(name);
            string text = name switch
            {
                BodyTampered => signed.Replace("This is a test.", "This is a tampered test.", StringComparison.Ordinal),
                HeaderTampered => signed.Replace($"Subject: inbound case {name}", $"Subject: inbound case {name}, edited", StringComparison.Ordinal),
                // Fields above the signature, as relays add them; neither is signed.
                ForgedResults => $"{ForgedOwnResults}\r\n{OtherHostResults}\r\n{signed}",
                _ => signed,
            };
            Add(name, text, fields);
        }

        Add(NoSignature, Bare(NoSignature));
        // Not a tag list at all: OpenDKIM stops at end of headers with a syntax error.
        Add(Malformed, "DKIM-Signature: v=1; this is not a tag list\r\n" + Bare(Malformed));
        return new InboundCorpus(messages, ed25519Public[0]);
    }

    private static string Bare(string name) =>
        $"From: Sender <sender@{InboundKeys.Domain}>\r\n" +
        "To: <rcpt@receiver.example>\r\n" +
        $"Subject: inbound case {name}\r\n" +
        "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n" +
        $"Message-ID: <{name}@{InboundKeys.Domain}>\r\n" +
        "\r\n" +
        Body;

    /// <summary>The b= tag of a DKIM-Signature field, folding whitespace removed.</summary>
    private static string BValue(string field)
    {
        var match = BTag().Match(field);
        return match.Success
            ? Whitespace().Replace(match.Groups[1].Value, "")
            : throw new InvalidOperationException($"no b= in {field}");
    }

    [GeneratedRegex(@"[;:]\s*b\s*=([^;]*)")]
    private static partial Regex BTag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
