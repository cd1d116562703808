using System.Text;
using CsCheck;
using Milter.Dkim.Canonicalization;
using Milter.Fuzzing.Support;
using Milter.Fuzzing.Tests.Support;

namespace Milter.Fuzzing.Tests.Properties;

/// <summary>
/// The canonicalizers' algebra: a body's canonical form does not depend on how it is cut into chunks (the milter
/// gets it in pieces of any size), canonical forms are fixed points, and relaxed header canonicalization is
/// idempotent. Inputs are drawn mostly from the bytes the rules are about: SP, HTAB, CR, LF.
/// </summary>
public sealed class CanonicalizationProperties
{
    private static readonly Gen<byte> InterestingByte = Gen.Frequency((3, Gen.OneOf((byte)' ', (byte)'\t', (byte)'\r', (byte)'\n')), (2, Gen.OneOf((byte)'a', (byte)'b')), (1, Gen.Byte));
    private static readonly Gen<byte[]> Body = InterestingByte.Array[0, 200];
    private static readonly Gen<CanonicalizationAlgorithm> Algorithm = Gen.OneOf(CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Relaxed);

    [Fact]
    public void A_body_cut_into_chunks_canonicalizes_like_the_whole_body() =>
        PassSettings.Check(Gen.Select(Algorithm, Body, Gen.Int[1, 40].Array[0, 12]), input =>
        {
            var (algorithm, body, cuts) = input;
            var whole = CanonicalCapture.Canonicalize(algorithm, body, []);
            var chunked = CanonicalCapture.Canonicalize(algorithm, body, cuts);
            Assert.Equal(Convert.ToHexString(whole), Convert.ToHexString(chunked));
        }, t => $"{t.Item1} body {Convert.ToHexString(t.Item2)} cuts [{string.Join(",", t.Item3)}]");

    [Fact]
    public void A_canonical_body_is_its_own_canonical_form() =>
        PassSettings.Check(Gen.Select(Algorithm, Body), input =>
        {
            var (algorithm, body) = input;
            var once = CanonicalCapture.Canonicalize(algorithm, body, []);
            Assert.Equal(Convert.ToHexString(once), Convert.ToHexString(CanonicalCapture.Canonicalize(algorithm, once, [])));
        }, t => $"{t.Item1} body {Convert.ToHexString(t.Item2)}");

    [Fact]
    public void Relaxed_header_canonicalization_is_idempotent() =>
        PassSettings.Check(Gen.Select(Gen.String[Gen.Char['!', '~'], 1, 12], Body), input =>
        {
            var (name, value) = input;
            string cleanName = name.Replace(":", "", StringComparison.Ordinal);
            if (cleanName.Length == 0)
            {
                return;
            }

            var once = CanonicalCapture.CanonicalizeHeader(CanonicalizationAlgorithm.Relaxed, cleanName, value);
            // Read the canonical field back as a field: name before the first colon, value after it, CRLF removed.
            int colon = Array.IndexOf(once, (byte)':');
            var twice = CanonicalCapture.CanonicalizeHeader(CanonicalizationAlgorithm.Relaxed, Encoding.Latin1.GetString(once, 0, colon),
                once.AsSpan(colon + 1, once.Length - colon - 3));
            Assert.Equal(Encoding.Latin1.GetString(once), Encoding.Latin1.GetString(twice));
        }, t => $"{t.Item1}: {Convert.ToHexString(t.Item2)}");
}
