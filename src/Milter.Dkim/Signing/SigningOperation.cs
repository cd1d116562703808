using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Milter.Dkim.Canonicalization;

namespace Milter.Dkim.Signing;

/// <summary>
/// Signing of one message: headers as they arrive, the body in chunks of any size (canonicalized and hashed as
/// it streams), then <see cref="Finish"/>.
/// </summary>
public sealed class SigningOperation : IDisposable
{
    private readonly DkimSigner _signer;
    private readonly List<HeaderField> _headers = [];
    private readonly BodyHasher _body;

    internal SigningOperation(DkimSigner signer)
    {
        _signer = signer;
        var options = signer.Options;
        _body = new BodyHasher(options.Canonicalization.Body, HashAlgorithmName.SHA256, options.MaximumSignedBytes);
    }

    /// <summary>Adds the next header field (in message order).</summary>
    public void AddHeader(HeaderField header) => _headers.Add(header);

    /// <summary>Adds the next header field (in message order); <paramref name="rawValue"/> is what follows the colon.</summary>
    public void AddHeader(string name, ReadOnlyMemory<byte> rawValue) => _headers.Add(new HeaderField(name, rawValue));

    /// <summary>Feeds body bytes.</summary>
    public void AppendBody(ReadOnlySpan<byte> data) => _body.Append(data);

    /// <summary>Feeds body bytes.</summary>
    public void AppendBody(ReadOnlySequence<byte> data) => _body.Append(data);

    /// <summary>Computes the signature and returns the field to insert at the top of the message.</summary>
    public SignatureHeader Finish()
    {
        var options = _signer.Options;
        var key = _signer.Key;
        byte[] bodyHash = _body.Finish();
        var signedNames = SignedHeaderNames(options);

        var tags = new List<KeyValuePair<string, string>>
        {
            new("v", "1"),
            new("a", key.Algorithm.ToTagValue()),
            new("c", options.Canonicalization.ToString()),
            new("d", options.Domain),
            new("s", options.Selector),
        };
        long now = options.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (options.IncludeTimestamp)
        {
            tags.Add(new("t", now.ToString(CultureInfo.InvariantCulture)));
        }

        if (options.SignatureLifetime is { } lifetime)
        {
            tags.Add(new("x", (now + (long)lifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
        }

        if (options.Identity is { } identity)
        {
            tags.Add(new("i", identity));
        }

        tags.Add(new("bh", Convert.ToBase64String(bodyHash)));
        if (options.MaximumSignedBytes is not null || options.IncludeBodyLength)
        {
            long signedLength = Math.Min(_body.CanonicalLength, options.MaximumSignedBytes ?? long.MaxValue);
            tags.Add(new("l", signedLength.ToString(CultureInfo.InvariantCulture)));
        }

        tags.Add(new("h", string.Join(':', signedNames)));

        // The layout before b= depends only on b='s length, which the key size fixes. Lay out with a stand-in of
        // that length, hash everything up to "b=" (RFC 6376 §3.7: the b= value is empty while hashing), then
        // lay out again with the real signature: the text before b= is identical, so c=simple holds too.
        const string FieldName = "DKIM-Signature";
        int signatureLength = Base64Length(SignatureBytes(key));
        tags.Add(new("b", new string('A', signatureLength)));
        string template = SignatureFormatter.Format(FieldName, tags);
        string unsigned = template[..(template.LastIndexOf("b=", StringComparison.Ordinal) + 2)];

        var unsignedField = new HeaderField(FieldName, Encoding.ASCII.GetBytes(unsigned));
        byte[] headerHash = HeaderHash.Compute(_headers, signedNames, options.Canonicalization.Header, unsignedField);
        string signature = Convert.ToBase64String(key.SignHash(headerHash));
        tags[^1] = new("b", signature);
        string value = SignatureFormatter.Format(FieldName, tags);
        System.Diagnostics.Debug.Assert(value.StartsWith(unsigned, StringComparison.Ordinal), "layout before b= changed");
        return new SignatureHeader(FieldName, value);
    }

    /// <inheritdoc />
    public void Dispose() => _body.Dispose();

    /// <summary>
    /// h=: the eligible headers present, in message order, then From if it was not there (a signature always
    /// covers From), then one more of each oversigned name.
    /// </summary>
    private List<string> SignedHeaderNames(DkimSigningOptions options)
    {
        var eligible = options.SignedHeaders ?? DefaultSignedHeaders.Eligible;
        var names = _headers
            .Where(header => Contains(eligible, header.Name) && !Contains(options.OmittedHeaders, header.Name))
            .Select(header => header.Name)
            .ToList();
        if (!names.Contains("From", StringComparer.OrdinalIgnoreCase))
        {
            names.Add("From");
        }

        names.AddRange(options.OversignedHeaders);
        return names;
    }

    private static bool Contains(IReadOnlyCollection<string> names, string name) => names.Contains(name, StringComparer.OrdinalIgnoreCase);

    private static int SignatureBytes(Keys.DkimPrivateKey key) => key.Algorithm == DkimAlgorithm.Ed25519Sha256 ? 64 : (key.KeyBits + 7) / 8;

    private static int Base64Length(int bytes) => (bytes + 2) / 3 * 4;
}
