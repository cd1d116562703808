using System.Security.Cryptography;
using System.Text;
using Milter.Dkim.Canonicalization;

namespace Milter.Dkim.Tests.Canonicalization;

public class BodyCanonicalizationTests
{
    [Theory]
    [InlineData(CanonicalizationAlgorithm.Simple, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=")]
    [InlineData(CanonicalizationAlgorithm.Relaxed, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")]
    public void Empty_body_hashes_are_the_published_ones(CanonicalizationAlgorithm algorithm, string expected)
    {
        using var hasher = new BodyHasher(algorithm, HashAlgorithmName.SHA256);

        Assert.Equal(expected, Convert.ToBase64String(hasher.Finish()));
    }

    [Theory]
    // RFC 6376 §3.4.5's example body: " C \r\nD \t E\r\n\r\n\r\n".
    [InlineData(CanonicalizationAlgorithm.Simple, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n")]
    [InlineData(CanonicalizationAlgorithm.Relaxed, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n")]
    // Simple: empty body and a body of empty lines become one CRLF; a missing final CRLF is added.
    [InlineData(CanonicalizationAlgorithm.Simple, "", "\r\n")]
    [InlineData(CanonicalizationAlgorithm.Simple, "\r\n\r\n\r\n", "\r\n")]
    [InlineData(CanonicalizationAlgorithm.Simple, "abc", "abc\r\n")]
    [InlineData(CanonicalizationAlgorithm.Simple, "abc\r\n\r\ndef\r\n\r\n", "abc\r\n\r\ndef\r\n")]
    // A last line of only whitespace is not empty in simple.
    [InlineData(CanonicalizationAlgorithm.Simple, "abc\r\n \r\n\r\n", "abc\r\n \r\n")]
    // Relaxed: an empty body stays empty; whitespace-only lines become empty (and trailing ones vanish).
    [InlineData(CanonicalizationAlgorithm.Relaxed, "", "")]
    [InlineData(CanonicalizationAlgorithm.Relaxed, "\r\n\r\n", "")]
    [InlineData(CanonicalizationAlgorithm.Relaxed, " \t \r\n\r\n", "")]
    [InlineData(CanonicalizationAlgorithm.Relaxed, "abc", "abc\r\n")]
    [InlineData(CanonicalizationAlgorithm.Relaxed, "abc  ", "abc\r\n")]
    [InlineData(CanonicalizationAlgorithm.Relaxed, "a\t\t b  c \r\n \r\nd\r\n", "a b c\r\n\r\nd\r\n")]
    [InlineData(CanonicalizationAlgorithm.Relaxed, "  leading\r\n", " leading\r\n")]
    // Bare CR and bare LF are content, hashed as they are (as OpenDKIM and dkimpy do).
    [InlineData(CanonicalizationAlgorithm.Simple, "a\nb\rc\r\n", "a\nb\rc\r\n")]
    [InlineData(CanonicalizationAlgorithm.Relaxed, "a \nb \rc\r\n", "a \nb \rc\r\n")]
    [InlineData(CanonicalizationAlgorithm.Simple, "abc\r\n\r\n\r", "abc\r\n\r\n\r\r\n")]
    [InlineData(CanonicalizationAlgorithm.Relaxed, "abc\r\n\r\n \r", "abc\r\n\r\n \r\r\n")]
    // 8-bit bytes pass unchanged.
    [InlineData(CanonicalizationAlgorithm.Relaxed, "caf\u00e9  \u00fcber \r\n", "caf\u00e9 \u00fcber\r\n")]
    public void Canonical_form_matches_the_rfc(CanonicalizationAlgorithm algorithm, string body, string expected)
    {
        Assert.Equal(expected, Canonicalize(algorithm, Encoding.UTF8.GetBytes(body), [int.MaxValue]));
    }

    [Theory]
    [InlineData(CanonicalizationAlgorithm.Simple)]
    [InlineData(CanonicalizationAlgorithm.Relaxed)]
    public void Any_split_of_any_body_gives_the_same_result_as_one_piece(CanonicalizationAlgorithm algorithm)
    {
        // Bodies built from the bytes that matter (CR, LF, SP, TAB, content) so that every boundary case is
        // reached: CR|LF across chunks, whitespace runs across chunks, trailing empty lines across chunks.
        var random = new Random(6376);
        byte[] alphabet = "\r\n \tab\u00e9"u8.ToArray();
        for (int round = 0; round < 3000; round++)
        {
            var body = new byte[random.Next(0, 40)];
            for (int i = 0; i < body.Length; i++)
            {
                body[i] = alphabet[random.Next(alphabet.Length)];
            }

            string whole = Canonicalize(algorithm, body, [int.MaxValue]);
            var sizes = Enumerable.Range(0, 6).Select(_ => random.Next(1, 5)).ToArray();
            Assert.Equal(whole, Canonicalize(algorithm, body, sizes));
            Assert.Equal(whole, Canonicalize(algorithm, body, [1]));
        }
    }

    [Fact]
    public void Every_two_piece_split_of_a_tricky_body_hashes_the_same()
    {
        byte[] body = Encoding.UTF8.GetBytes("a \t b\r\n\r\n \t\r\n\rx\n\r\n  y  \r\n\r\n\r\n\r");
        foreach (var algorithm in new[] { CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Relaxed })
        {
            string whole = Canonicalize(algorithm, body, [int.MaxValue]);
            for (int split = 0; split <= body.Length; split++)
            {
                Assert.Equal(whole, Canonicalize(algorithm, body, [split == 0 ? int.MaxValue : split, int.MaxValue]));
            }
        }
    }

    [Fact]
    public void A_length_limit_hashes_only_that_many_canonical_bytes_and_counts_the_rest()
    {
        byte[] body = Encoding.ASCII.GetBytes("hello  world\r\nmore\r\n");
        using var limited = new BodyHasher(CanonicalizationAlgorithm.Relaxed, HashAlgorithmName.SHA256, 5);
        limited.Append(body);

        Assert.Equal(SHA256.HashData("hello"u8), limited.Finish());
        Assert.Equal("hello world\r\nmore\r\n".Length, limited.CanonicalLength);
        Assert.Equal("hello world\r\nmore\r\n".Length - 5, limited.UnhashedLength);
    }

    /// <summary>Canonicalizes <paramref name="body"/> fed in chunks of the given sizes (cycled).</summary>
    private static string Canonicalize(CanonicalizationAlgorithm algorithm, byte[] body, int[] chunkSizes)
    {
        var output = new CollectingOutput();
        var canonicalizer = BodyCanonicalizer.Create(algorithm, output);
        int position = 0;
        for (int i = 0; position < body.Length; i++)
        {
            int size = Math.Min(chunkSizes[i % chunkSizes.Length], body.Length - position);
            canonicalizer.Append(body.AsSpan(position, size));
            position += size;
        }

        canonicalizer.Finish();
        return Encoding.UTF8.GetString(output.Bytes.ToArray());
    }

    private sealed class CollectingOutput : ICanonicalOutput
    {
        public List<byte> Bytes { get; } = [];

        public void Write(ReadOnlySpan<byte> bytes) => Bytes.AddRange(bytes.ToArray());
    }
}
