using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace Milter.Benchmarks;

/// <summary>
/// Benchmark 2: one signature over a 32-byte SHA-256 hash (<c>DkimPrivateKey.SignHash</c>), RSA-2048 and
/// Ed25519, single thread. Compare with <c>openssl speed rsa2048 ed25519</c> (sign/s column).
/// </summary>
[MemoryDiagnoser]
public class KeySigningBenchmarks
{
    private readonly byte[] _hash = SHA256.HashData("benchmark header hash input"u8);
    private GeneratedKeys? _keys;

    [GlobalSetup]
    public void Setup() => _keys = GeneratedKeys.Create();

    [GlobalCleanup]
    public void Cleanup() => _keys?.Dispose();

    [Benchmark(Description = "RSA-2048 SignHash")]
    [ReportOperationsPerSecond]
    public byte[] RsaSignHash() => _keys!.Rsa.SignHash(_hash);

    [Benchmark(Description = "Ed25519 SignHash")]
    [ReportOperationsPerSecond]
    public byte[] Ed25519SignHash() => _keys!.Ed25519.SignHash(_hash);
}
