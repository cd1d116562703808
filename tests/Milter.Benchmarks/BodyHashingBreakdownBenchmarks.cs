using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Milter.Dkim.Canonicalization;

namespace Milter.Benchmarks;

/// <summary>
/// Where benchmark 1's time goes, on the same 1 MiB body in the same 65535-byte chunks, through the public
/// <see cref="BodyCanonicalizer"/> and <see cref="ICanonicalOutput"/> seam: the canonicalizers alone (into an
/// output that only counts writes), and the canonicalizers into SHA-256 through a 4 KiB and a 16 KiB gathering
/// buffer (BodyHasher's scheme; it uses 16 KiB), to see what a smaller, cheaper-to-allocate buffer would cost.
/// Setup checks the buffered hashes against <see cref="BodyHasher"/>'s and prints the number of writes.
/// </summary>
[MemoryDiagnoser]
public class BodyHashingBreakdownBenchmarks
{
    private const int BodySize = BodyHashingBenchmarks.BodySize;
    private byte[] _body = [];

    [GlobalSetup]
    public void Setup()
    {
        _body = TestData.TextBody(BodySize);
        foreach (var canonicalization in new[] { CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Relaxed })
        {
            using var reference = new BodyHasher(canonicalization, HashAlgorithmName.SHA256);
            reference.Append(_body);
            byte[] expected = reference.Finish();
            foreach (int bufferSize in new[] { 4096, 16384 })
            {
                if (!expected.AsSpan().SequenceEqual(Buffered(canonicalization, bufferSize)))
                {
                    throw new InvalidOperationException($"{canonicalization} hash through a {bufferSize}-byte buffer differs from BodyHasher's");
                }
            }

            var counter = new CountingOutput();
            Feed(BodyCanonicalizer.Create(canonicalization, counter));
            Console.WriteLine($"// {canonicalization}: {counter.Writes} ICanonicalOutput.Write calls for {_body.Length} input bytes " +
                $"({counter.Bytes} canonical bytes, {(double)counter.Bytes / counter.Writes:F1} bytes per write)");
        }
    }

    [Benchmark(Description = "simple, canonicalize only")]
    [BytesPerOperation(BodySize)]
    public long SimpleCanonicalizeOnly() => CanonicalizeOnly(CanonicalizationAlgorithm.Simple);

    [Benchmark(Description = "relaxed, canonicalize only")]
    [BytesPerOperation(BodySize)]
    public long RelaxedCanonicalizeOnly() => CanonicalizeOnly(CanonicalizationAlgorithm.Relaxed);

    [Benchmark(Description = "relaxed + 4 KiB buffer + SHA-256")]
    [BytesPerOperation(BodySize)]
    public byte[] Relaxed4KiB() => Buffered(CanonicalizationAlgorithm.Relaxed, 4096);

    [Benchmark(Description = "relaxed + 16 KiB buffer + SHA-256")]
    [BytesPerOperation(BodySize)]
    public byte[] Relaxed16KiB() => Buffered(CanonicalizationAlgorithm.Relaxed, 16384);

    private long CanonicalizeOnly(CanonicalizationAlgorithm canonicalization)
    {
        var counter = new CountingOutput();
        Feed(BodyCanonicalizer.Create(canonicalization, counter));
        return counter.Bytes;
    }

    private byte[] Buffered(CanonicalizationAlgorithm canonicalization, int bufferSize)
    {
        using var output = new BufferedHashOutput(bufferSize);
        Feed(BodyCanonicalizer.Create(canonicalization, output));
        return output.Finish();
    }

    private void Feed(BodyCanonicalizer canonicalizer)
    {
        for (int offset = 0; offset < _body.Length; offset += TestData.PostfixChunkSize)
        {
            canonicalizer.Append(_body.AsSpan(offset, Math.Min(TestData.PostfixChunkSize, _body.Length - offset)));
        }

        canonicalizer.Finish();
    }
}
