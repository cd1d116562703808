using System.Text;
using Milter.Dkim;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Keys;
using Milter.Dkim.Signing;
using Milter.Dkim.Verification;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// A message as the MTA holds it: header fields (value = the text after the colon, leading space and CRLF folding
/// included) and a body. Immutable: every change returns a new message, so one signed original can be tampered
/// with in several ways.
/// </summary>
internal sealed class TestMessage
{
    private TestMessage(IReadOnlyList<(string Name, string RawValue)> headers, string body)
    {
        Headers = headers;
        Body = body;
    }

    public IReadOnlyList<(string Name, string RawValue)> Headers { get; }

    public string Body { get; }

    /// <summary>The measured OpenDKIM runs' message shape: From, To, Subject, Date, Message-ID and a two-line body.</summary>
    public static TestMessage Create(string from = "Alice <alice@example.com>", string body = "Hello.\r\nThis is a test.\r\n") => new(
        [
            ("From", " " + from),
            ("To", " Bob <bob@example.net>"),
            ("Subject", " test message"),
            ("Date", " Fri, 27 Nov 2026 10:00:00 +0000"),
            ("Message-ID", " <test-1@example.com>"),
        ],
        body);

    /// <summary>Adds a field at the bottom of the header.</summary>
    public TestMessage With(string name, string rawValue) => new([.. Headers, (name, rawValue)], Body);

    /// <summary>Adds a field at the top of the header (where a signer or a receiving MTA puts its field).</summary>
    public TestMessage WithOnTop(string name, string rawValue) => new([(name, rawValue), .. Headers], Body);

    /// <summary>Replaces the first field of that name.</summary>
    public TestMessage Replace(string name, string rawValue)
    {
        var headers = Headers.ToList();
        int index = headers.FindIndex(header => header.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        headers[index] = (headers[index].Name, rawValue);
        return new(headers, Body);
    }

    /// <summary>Drops every field of that name.</summary>
    public TestMessage Without(string name) =>
        new(Headers.Where(header => !header.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList(), Body);

    public TestMessage WithBody(string body) => new(Headers, body);

    /// <summary>Signs as a foreign (or our own) signer would, with our DKIM core, and puts the signature on top.</summary>
    public TestMessage SignedBy(DkimPrivateKey key, string domain, string selector, string canonicalization = "relaxed/simple", TimeProvider? time = null)
    {
        Assert.True(Canonicalizations.TryParse(canonicalization, out var canonical));
        var signer = new DkimSigner(key, new DkimSigningOptions
        {
            Domain = domain,
            Selector = selector,
            Canonicalization = canonical.Value,
            TimeProvider = time ?? TimeProvider.System,
        });
        using var operation = signer.Begin();
        foreach (var field in Fields())
        {
            operation.AddHeader(field);
        }

        operation.AppendBody(Encoding.UTF8.GetBytes(Body));
        var signature = operation.Finish();
        return WithOnTop(signature.Name, signature.Value);
    }

    /// <summary>The value of the first field of that name.</summary>
    public string Value(string name) => Headers.First(header => header.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).RawValue;

    /// <summary>
    /// The message after the MTA applied the milter's header changes, in the order they were sent: CHGHEADER
    /// (1-based occurrence; empty value deletes), INSHEADER (0 = the top). Wire values become message values again
    /// as Postfix stores them (leading space restored when HDR_LEADSPC was not negotiated, LF folding to CRLF).
    /// </summary>
    public TestMessage Apply(IEnumerable<MilterReply> modifications, bool leadingSpace)
    {
        var headers = Headers.ToList();
        foreach (var modification in modifications)
        {
            switch (modification)
            {
                case InsertHeaderReply insert:
                    headers.Insert(Math.Min((int)insert.Index, headers.Count), (insert.Name, MessageValue(insert.Value, leadingSpace)));
                    break;
                case ChangeHeaderReply change:
                    var positions = headers.Select((header, index) => (header, index))
                        .Where(pair => pair.header.Name.Equals(change.Name, StringComparison.OrdinalIgnoreCase)).ToList();
                    int at = positions[(int)change.Index - 1].index;
                    if (change.Value.IsEmpty)
                    {
                        headers.RemoveAt(at);
                    }
                    else
                    {
                        headers[at] = (change.Name, MessageValue(change.Value, leadingSpace));
                    }

                    break;
            }
        }

        return new(headers, Body);
    }

    /// <summary>Verifies every signature with our DKIM core against <paramref name="dns"/>.</summary>
    public async Task<IReadOnlyList<DkimResult>> VerifyAsync(IDkimKeyResolver dns, TimeProvider? time = null)
    {
        var verifier = new DkimVerifier(dns, new DkimVerifierOptions { TimeProvider = time ?? TimeProvider.System });
        using var operation = verifier.Begin();
        foreach (var field in Fields())
        {
            operation.AddHeader(field);
        }

        operation.EndOfHeaders();
        operation.AppendBody(Encoding.UTF8.GetBytes(Body));
        return await operation.FinishAsync();
    }

    /// <summary>The message in RFC 5322 form, CRLF line ends.</summary>
    public byte[] ToBytes()
    {
        var text = new StringBuilder();
        foreach (var (name, rawValue) in Headers)
        {
            text.Append(name).Append(':').Append(rawValue).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.Append("\r\n").Append(Body).ToString());
    }

    private IEnumerable<HeaderField> Fields() => Headers.Select(header => new HeaderField(header.Name, Encoding.UTF8.GetBytes(header.RawValue)));

    private static string MessageValue(ReadOnlyMemory<byte> wire, bool leadingSpace) =>
        Encoding.UTF8.GetString(HeaderValues.FromWire(wire.Span, leadingSpace));
}
