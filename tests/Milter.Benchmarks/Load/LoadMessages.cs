using System.Globalization;
using System.Text;
using Milter.Dkim;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Keys;
using Milter.Dkim.Signing;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.Benchmarks.Load;

/// <summary>
/// The envelope and messages a load sends, made once before the run so that the load generator spends its CPU on
/// the protocol, not on making mail (it shares the machine with the daemon).
/// <list type="bullet">
/// <item>Sign: client <c>localhost [127.0.0.1]</c> (OpenDKIM's default InternalHosts, and ours), mail from
/// <c>alice@example.com</c>; the daemon's SigningTable must map <c>*@example.com</c> to a key. Expected: a
/// DKIM-Signature header added, then accept or continue.</item>
/// <item>Verify: client <c>mail.example.net [192.0.2.1]</c>, mail from <c>alice@example.net</c> carrying a
/// DKIM-Signature (d=example.net, s=SELECTOR, c=relaxed/simple, rsa-sha256 or what the key is) made here with
/// the same DKIM library. Expected: an Authentication-Results header with <c>dkim=pass</c>.</item>
/// </list>
/// A few variants differ in Subject and Message-ID (one only for messages over 1 MB). <c>--extra-headers</c> adds
/// X-Load-Filler fields, which neither OpenDKIM's default signed-header list nor ours includes.
/// </summary>
internal sealed class LoadMessages
{
    private const string Date = "Fri, 27 Nov 2026 12:00:00 +0000";

    private LoadMessages(LoadMode mode, IReadOnlyList<byte[]> variants, int senderDomains)
    {
        Mode = mode;
        Variants = variants;
        SenderDomains = senderDomains;
    }

    /// <summary>0, or how many signing domains the messages go through (<c>--sender-domains</c>).</summary>
    public int SenderDomains { get; }

    public LoadMode Mode { get; }

    /// <summary>Whole messages (header, empty line, body), CRLF line ends.</summary>
    public IReadOnlyList<byte[]> Variants { get; }

    public string ClientHost => Mode == LoadMode.Sign ? "localhost" : "mail.example.net";

    public string ClientAddress => Mode == LoadMode.Sign ? "127.0.0.1" : "192.0.2.1";

    public string Sender => Mode == LoadMode.Sign ? "<alice@example.com>" : "<alice@example.net>";

    /// <summary>The sender domain of the <paramref name="index"/>th message (from 0) with <c>--sender-domains</c>.</summary>
    public string SenderDomainOf(long index) => "d" + (index % SenderDomains).ToString(CultureInfo.InvariantCulture) + ".example.com";

    public string Recipient => Mode == LoadMode.Sign ? "<bob@example.net>" : "<bob@example.com>";

    public static LoadMessages Create(LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string senderDomain = options.Mode == LoadMode.Sign ? "example.com" : "example.net";
        string recipientDomain = options.Mode == LoadMode.Sign ? "example.net" : "example.com";
        int variantCount = options.Size > 1_000_000 ? 1 : 8;
        DkimSigner? signer = null;
        DkimPrivateKey? key = null;
        if (options.Mode == LoadMode.Verify)
        {
            key = PrivateKeyLoader.LoadFile(options.KeyFile!);
            signer = new DkimSigner(key, new DkimSigningOptions
            {
                Domain = "example.net",
                Selector = options.Selector,
                Canonicalization = new Canonicalizations(CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Simple),
            });
        }

        try
        {
            var variants = new List<byte[]>();
            for (int v = 0; v < variantCount; v++)
            {
                var headers = new List<(string Name, string Value)>
                {
                    ("From", $" Alice <alice@{senderDomain}>"),
                    ("To", $" Bob <bob@{recipientDomain}>"),
                    ("Subject", $" load test message {v.ToString(CultureInfo.InvariantCulture)}"),
                    ("Date", " " + Date),
                    ("Message-ID", $" <load{v.ToString(CultureInfo.InvariantCulture)}.20261127120000@{senderDomain}>"),
                    ("MIME-Version", " 1.0"),
                    ("Content-Type", " text/plain; charset=us-ascii"),
                };
                for (int x = 1; x <= options.ExtraHeaders; x++)
                {
                    headers.Add(($"X-Load-Filler-{x.ToString(CultureInfo.InvariantCulture)}", " filler"));
                }

                int headerLength = headers.Sum(h => h.Name.Length + 1 + h.Value.Length + 2) + 2;
                byte[] body = TestData.TextBody(Math.Max(2, options.Size - headerLength), seed: 1000 + v);
                if (signer is not null)
                {
                    using var operation = signer.Begin();
                    foreach (var (name, value) in headers)
                    {
                        operation.AddHeader(name, Encoding.ASCII.GetBytes(value));
                    }

                    operation.AppendBody(body);
                    var signature = operation.Finish();
                    headers.Insert(0, (signature.Name, signature.Value));
                }

                var text = new StringBuilder();
                foreach (var (name, value) in headers)
                {
                    text.Append(name).Append(':').Append(value).Append("\r\n");
                }

                text.Append("\r\n");
                byte[] head = Encoding.ASCII.GetBytes(text.ToString());
                byte[] message = new byte[head.Length + body.Length];
                head.CopyTo(message, 0);
                body.CopyTo(message, head.Length);
                variants.Add(message);
            }

            return new LoadMessages(options.Mode, variants, options.SenderDomains);
        }
        finally
        {
            key?.Dispose();
        }
    }

    /// <summary>Null if the daemon did what this mode expects, else what is wrong.</summary>
    public string? Check(MilterReply final, IReadOnlyList<MilterReply> modifications)
    {
        ArgumentNullException.ThrowIfNull(final);
        ArgumentNullException.ThrowIfNull(modifications);
        if (final.Code is not (ReplyCode.Accept or ReplyCode.Continue))
        {
            return $"final reply {final}";
        }

        foreach (var modification in modifications)
        {
            var (name, value) = modification switch
            {
                InsertHeaderReply insert => (insert.Name, insert.Value),
                AddHeaderReply add => (add.Name, add.Value),
                _ => (null, ReadOnlyMemory<byte>.Empty),
            };
            if (Mode == LoadMode.Sign && string.Equals(name, "DKIM-Signature", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            if (Mode == LoadMode.Verify && string.Equals(name, "Authentication-Results", StringComparison.OrdinalIgnoreCase))
            {
                string text = Encoding.ASCII.GetString(value.Span);
                return text.Contains("dkim=pass", StringComparison.Ordinal) ? null : $"Authentication-Results without dkim=pass: {text.ReplaceLineEndings(" ")}";
            }
        }

        return Mode == LoadMode.Sign ? "no DKIM-Signature added" : "no Authentication-Results added";
    }
}
