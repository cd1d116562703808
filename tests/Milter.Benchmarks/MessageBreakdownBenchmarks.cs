using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Milter.Dkim;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Keys;
using Milter.Dkim.Signing;
using Milter.Dkim.Verification;

namespace Milter.Benchmarks;

/// <summary>
/// The parts of benchmarks 3 and 4 that public APIs expose, to see where a message's time and allocations go:
/// formatting the signature field (done twice per signed message), the header hash, parsing the signature, parsing
/// the key record (done once per verified message: nothing caches it) and the two OpenSSL-backed calls that
/// dominate it for RSA, and the public-key operation itself.
/// </summary>
[MemoryDiagnoser]
public class MessageBreakdownBenchmarks
{
    private readonly byte[] _body = TestData.TextBody(MessageBenchmarks.BodySize, seed: 7);
    private GeneratedKeys? _keys;
    private List<KeyValuePair<string, string>> _rsaTags = [];
    private HeaderField _rsaSignatureField;
    private DkimSignature? _rsaSignature;
    private DkimSignature? _ed25519Signature;
    private byte[] _rsaHeaderHash = [];
    private byte[] _ed25519HeaderHash = [];
    private string _rsaRecord = "";
    private string _ed25519Record = "";
    private DkimPublicKey? _rsaPublicKey;
    private DkimPublicKey? _ed25519PublicKey;
    private byte[] _rsaSubjectPublicKeyInfo = [];
    private RSA? _importedRsa;

    [GlobalSetup]
    public void Setup()
    {
        _keys = GeneratedKeys.Create();
        _rsaRecord = $"v=DKIM1; k=rsa; p={_keys.Rsa.PublicKey.ToRecordValue()}";
        _ed25519Record = $"v=DKIM1; k=ed25519; p={_keys.Ed25519.PublicKey.ToRecordValue()}";
        _rsaPublicKey = KeyRecordParser.Parse(_rsaRecord).Record!.PublicKey;
        _ed25519PublicKey = KeyRecordParser.Parse(_ed25519Record).Record!.PublicKey;
        _rsaSubjectPublicKeyInfo = Convert.FromBase64String(_keys.Rsa.PublicKey.ToRecordValue());
        _importedRsa = RSA.Create();
        _importedRsa.ImportSubjectPublicKeyInfo(_rsaSubjectPublicKeyInfo, out _);
        (_rsaSignatureField, _rsaSignature, _rsaHeaderHash) = SignAndParse(_keys.Rsa);
        (_, _ed25519Signature, _ed25519HeaderHash) = SignAndParse(_keys.Ed25519);
        if (!RsaVerifyHash() || !Ed25519VerifyHash())
        {
            throw new InvalidOperationException("the signatures do not verify");
        }

        // The tags SigningOperation formats for this message, with an RSA-2048-sized b=.
        _rsaTags =
        [
            new("v", "1"), new("a", "rsa-sha256"), new("c", "relaxed/relaxed"), new("d", "example.com"), new("s", "rsa"),
            new("t", "1714557600"), new("bh", Convert.ToBase64String(_rsaSignature!.BodyHash)), new("h", string.Join(':', _rsaSignature.SignedHeaders)),
            new("b", _rsaSignature.SignatureText),
        ];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _importedRsa?.Dispose();
        _keys?.Dispose();
    }

    [Benchmark(Description = "SignatureFormatter.Format, RSA-2048 b=")]
    public string FormatRsaSignature() => SignatureFormatter.Format("DKIM-Signature", _rsaTags);

    [Benchmark(Description = "HeaderHash.Compute (5 of 10 fields)")]
    public byte[] ComputeHeaderHash() =>
        HeaderHash.Compute(TestData.Headers, _rsaSignature!.SignedHeaders, CanonicalizationAlgorithm.Relaxed,
            new HeaderField(_rsaSignatureField.Name, HeaderHash.WithoutSignatureValue(_rsaSignatureField.RawValue.Span)));

    [Benchmark(Description = "SignatureParser.TryParse, RSA")]
    public DkimSignature? ParseRsaSignature() => SignatureParser.TryParse(_rsaSignatureField, out var signature, out _) ? signature : null;

    [Benchmark(Description = "KeyRecordParser.Parse, RSA-2048")]
    public KeyRecordParseResult ParseRsaKeyRecord() => KeyRecordParser.Parse(_rsaRecord);

    // The two platform calls RsaPublicKey.TryCreate makes for every RSA key record (OpenSSL underneath).
    [Benchmark(Description = "RSA.ImportSubjectPublicKeyInfo only")]
    public int ImportRsaSubjectPublicKeyInfo()
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(_rsaSubjectPublicKeyInfo, out int read);
        return read;
    }

    [Benchmark(Description = "RSA.ExportParameters(false) only")]
    public RSAParameters ExportRsaParameters() => _importedRsa!.ExportParameters(false);

    [Benchmark(Description = "KeyRecordParser.Parse, Ed25519")]
    public KeyRecordParseResult ParseEd25519KeyRecord() => KeyRecordParser.Parse(_ed25519Record);

    [Benchmark(Description = "RSA-2048 VerifyHash")]
    [ReportOperationsPerSecond]
    public bool RsaVerifyHash() => _rsaPublicKey!.VerifyHash(_rsaHeaderHash, _rsaSignature!.Signature, HashAlgorithmName.SHA256);

    [Benchmark(Description = "Ed25519 VerifyHash")]
    [ReportOperationsPerSecond]
    public bool Ed25519VerifyHash() => _ed25519PublicKey!.VerifyHash(_ed25519HeaderHash, _ed25519Signature!.Signature, HashAlgorithmName.SHA256);

    private (HeaderField Field, DkimSignature Signature, byte[] HeaderHash) SignAndParse(DkimPrivateKey key)
    {
        var signer = new DkimSigner(key, new DkimSigningOptions
        {
            Domain = "example.com",
            Selector = key.Algorithm == DkimAlgorithm.Ed25519Sha256 ? "ed" : "rsa",
            Canonicalization = new Canonicalizations(CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Relaxed),
        });
        using var operation = signer.Begin();
        foreach (var header in TestData.Headers)
        {
            operation.AddHeader(header);
        }

        operation.AppendBody(_body);
        var signatureHeader = operation.Finish();
        var field = new HeaderField(signatureHeader.Name, signatureHeader.RawValue);
        if (!SignatureParser.TryParse(field, out var signature, out string? error))
        {
            throw new InvalidOperationException(error);
        }

        byte[] headerHash = HeaderHash.Compute(TestData.Headers, signature.SignedHeaders, CanonicalizationAlgorithm.Relaxed,
            new HeaderField(field.Name, HeaderHash.WithoutSignatureValue(field.RawValue.Span)));
        return (field, signature, headerHash);
    }
}
