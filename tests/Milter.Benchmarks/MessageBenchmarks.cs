using BenchmarkDotNet.Attributes;
using Milter.Dkim;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Keys;
using Milter.Dkim.Signing;
using Milter.Dkim.Verification;

namespace Milter.Benchmarks;

/// <summary>
/// Benchmarks 3 and 4: one whole message (10 header fields, 4 KB text body, c=relaxed/relaxed) signed through
/// <see cref="SigningOperation"/>, and the signed message verified through <see cref="VerificationOperation"/>
/// with an in-memory key resolver: time and bytes allocated per message.
/// </summary>
[MemoryDiagnoser]
public class MessageBenchmarks
{
    /// <summary>Body size: 4 KB.</summary>
    public const int BodySize = 4096;

    private static readonly Canonicalizations RelaxedRelaxed = new(CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Relaxed);

    private readonly byte[] _body = TestData.TextBody(BodySize, seed: 7);
    private GeneratedKeys? _keys;
    private DkimSigner? _rsaSigner;
    private DkimSigner? _ed25519Signer;
    private DkimVerifier? _verifier;
    private List<HeaderField> _rsaSigned = [];
    private List<HeaderField> _ed25519Signed = [];

    [GlobalSetup]
    public void Setup()
    {
        _keys = GeneratedKeys.Create();
        _rsaSigner = new DkimSigner(_keys.Rsa, Options("rsa"));
        _ed25519Signer = new DkimSigner(_keys.Ed25519, Options("ed"));
        _verifier = new DkimVerifier(new InMemoryKeyResolver()
            .Add("rsa", "example.com", $"v=DKIM1; k=rsa; p={_keys.Rsa.PublicKey.ToRecordValue()}")
            .Add("ed", "example.com", $"v=DKIM1; k=ed25519; p={_keys.Ed25519.PublicKey.ToRecordValue()}"));
        _rsaSigned = WithSignature(Sign(_rsaSigner));
        _ed25519Signed = WithSignature(Sign(_ed25519Signer));
        foreach (var (name, headers) in new[] { ("rsa", _rsaSigned), ("ed25519", _ed25519Signed) })
        {
            var results = Verify(headers);
            if (results.Count != 1 || results[0].Status != DkimResultStatus.Pass)
            {
                throw new InvalidOperationException($"{name}: the signed message does not verify: {string.Join("; ", results)}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _keys?.Dispose();

    [Benchmark(Baseline = true, Description = "sign 4 KB message, RSA-2048")]
    [ReportOperationsPerSecond]
    public SignatureHeader SignRsa() => Sign(_rsaSigner!);

    [Benchmark(Description = "sign 4 KB message, Ed25519")]
    [ReportOperationsPerSecond]
    public SignatureHeader SignEd25519() => Sign(_ed25519Signer!);

    [Benchmark(Description = "verify 4 KB message, RSA-2048")]
    [ReportOperationsPerSecond]
    public IReadOnlyList<DkimResult> VerifyRsa() => Verify(_rsaSigned);

    [Benchmark(Description = "verify 4 KB message, Ed25519")]
    [ReportOperationsPerSecond]
    public IReadOnlyList<DkimResult> VerifyEd25519() => Verify(_ed25519Signed);

    private static DkimSigningOptions Options(string selector) => new()
    {
        Domain = "example.com",
        Selector = selector,
        Canonicalization = RelaxedRelaxed,
    };

    private SignatureHeader Sign(DkimSigner signer)
    {
        using var operation = signer.Begin();
        foreach (var header in TestData.Headers)
        {
            operation.AddHeader(header);
        }

        operation.AppendBody(_body);
        return operation.Finish();
    }

    private IReadOnlyList<DkimResult> Verify(List<HeaderField> headers)
    {
        using var operation = _verifier!.Begin();
        foreach (var header in headers)
        {
            operation.AddHeader(header);
        }

        operation.EndOfHeaders();
        operation.AppendBody(_body);
        // The resolver answers with completed tasks, so this does not block.
        return operation.FinishAsync().GetAwaiter().GetResult();
    }

    private static List<HeaderField> WithSignature(SignatureHeader signature) =>
        [new HeaderField(signature.Name, signature.RawValue), .. TestData.Headers];

    /// <summary>
    /// Key records from memory, like tests/Milter.Dkim.Tests/TestSupport/FakeKeyResolver.cs, but each answer is
    /// one completed task made at setup, so the resolver allocates nothing per message.
    /// </summary>
    private sealed class InMemoryKeyResolver : IDkimKeyResolver
    {
        private static readonly Task<KeyLookupResult> NotFound = Task.FromResult(KeyLookupResult.NotFound("NXDOMAIN"));
        private readonly Dictionary<(string Selector, string Domain), Task<KeyLookupResult>> _records = [];

        public InMemoryKeyResolver Add(string selector, string domain, params string[] records)
        {
            _records[(selector, domain)] = Task.FromResult(KeyLookupResult.Found(records));
            return this;
        }

        public Task<KeyLookupResult> LookupAsync(string selector, string domain, CancellationToken cancellationToken) =>
            _records.GetValueOrDefault((selector, domain)) ?? NotFound;
    }
}
