using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Milter.Dkim.Canonicalization;

namespace Milter.Benchmarks;

/// <summary>
/// Benchmark 1: body canonicalization + SHA-256 through <see cref="BodyHasher"/> on a 1 MiB text body fed in
/// 65535-byte chunks (as Postfix sends it), against raw SHA-256 (<see cref="IncrementalHash"/>) over the same
/// bytes in the same chunks: the ceiling.
/// </summary>
[MemoryDiagnoser]
public class BodyHashingBenchmarks
{
    /// <summary>Body size: 1 MiB.</summary>
    public const int BodySize = 1024 * 1024;

    private byte[] _body = [];

    [GlobalSetup]
    public void Setup() => _body = TestData.TextBody(BodySize);

    [Benchmark(Baseline = true, Description = "SHA-256 only (ceiling)")]
    [BytesPerOperation(BodySize)]
    public byte[] Sha256Only()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int offset = 0; offset < _body.Length; offset += TestData.PostfixChunkSize)
        {
            hash.AppendData(_body.AsSpan(offset, Math.Min(TestData.PostfixChunkSize, _body.Length - offset)));
        }

        return hash.GetHashAndReset();
    }

    [Benchmark(Description = "BodyHasher simple")]
    [BytesPerOperation(BodySize)]
    public byte[] Simple() => Hash(CanonicalizationAlgorithm.Simple);

    [Benchmark(Description = "BodyHasher relaxed")]
    [BytesPerOperation(BodySize)]
    public byte[] Relaxed() => Hash(CanonicalizationAlgorithm.Relaxed);

    private byte[] Hash(CanonicalizationAlgorithm canonicalization)
    {
        using var hasher = new BodyHasher(canonicalization, HashAlgorithmName.SHA256);
        for (int offset = 0; offset < _body.Length; offset += TestData.PostfixChunkSize)
        {
            hasher.Append(_body.AsSpan(offset, Math.Min(TestData.PostfixChunkSize, _body.Length - offset)));
        }

        return hasher.Finish();
    }
}
