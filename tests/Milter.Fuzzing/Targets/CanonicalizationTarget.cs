using System.Security.Cryptography;
using System.Text;
using Milter.Dkim.Canonicalization;
using Milter.Fuzzing.Support;

namespace Milter.Fuzzing.Targets;

/// <summary>
/// The header and body canonicalizers, simple and relaxed. Input layout: byte 0 picks where the body is cut
/// into pieces (the body canonicalizers stream), the rest up to the first blank line ("\r\n\r\n") is one header
/// field "Name:value", the remainder the body. Checked on every input, both algorithms:
/// <list type="bullet">
/// <item>the body's canonical form is the same whether it arrives whole or in pieces, and
/// <see cref="BodyHasher"/> hashes exactly that form;</item>
/// <item>canonicalizing a canonical body again changes nothing;</item>
/// <item>a relaxed header field canonicalized again (its value re-read after the colon) changes nothing, and
/// never holds a CR, LF, tab, double space or trailing space before its final CRLF.</item>
/// </list>
/// </summary>
public sealed class CanonicalizationTarget : IFuzzTarget
{
    private static readonly CanonicalizationAlgorithm[] Algorithms = [CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Relaxed];

    /// <inheritdoc />
    public string Name => "canonicalization";

    /// <inheritdoc />
    public string EntryPoint => "HeaderCanonicalizer.Write + SimpleBodyCanonicalizer/RelaxedBodyCanonicalizer + BodyHasher";

    /// <inheritdoc />
    public IReadOnlyList<Type> BadInputExceptions { get; } = [];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        int pieceLength = 1 + input[0] % 16;
        input = input[1..];
        int blank = input.IndexOf("\r\n\r\n"u8);
        var header = blank < 0 ? input : input[..blank];
        var body = blank < 0 ? [] : input[(blank + 4)..];
        CheckHeader(header);
        foreach (var algorithm in Algorithms)
        {
            CheckBody(algorithm, body, pieceLength);
        }
    }

    private static void CheckHeader(ReadOnlySpan<byte> field)
    {
        int colon = field.IndexOf((byte)':');
        string name = Encoding.Latin1.GetString(colon < 0 ? field : field[..colon]);
        var value = colon < 0 ? [] : field[(colon + 1)..];
        CanonicalCapture.CanonicalizeHeader(CanonicalizationAlgorithm.Simple, name, value);
        var relaxed = CanonicalCapture.CanonicalizeHeader(CanonicalizationAlgorithm.Relaxed, name, value);
        var content = relaxed.AsSpan(0, relaxed.Length - 2);
        int nameEnd = content.IndexOf((byte)':');
        FuzzPropertyException.Check(nameEnd >= 0, "a relaxed header field has no colon");
        // The name is written as given (lower-cased, trailing WSP removed); only the value is normalized.
        var canonicalValue = content[(nameEnd + 1)..];
        FuzzPropertyException.Check(canonicalValue.IndexOfAny("\r\n\t"u8) < 0 && canonicalValue.IndexOf("  "u8) < 0
            && (canonicalValue.IsEmpty || (canonicalValue[0] != (byte)' ' && canonicalValue[^1] != (byte)' ')),
            "a relaxed header value still has folding, tabs, double, leading or trailing spaces");
        var again = CanonicalCapture.CanonicalizeHeader(CanonicalizationAlgorithm.Relaxed, Encoding.Latin1.GetString(content[..nameEnd]), canonicalValue);
        FuzzPropertyException.Check(again.AsSpan().SequenceEqual(relaxed), "relaxed header canonicalization is not idempotent");
    }

    private static void CheckBody(CanonicalizationAlgorithm algorithm, ReadOnlySpan<byte> body, int pieceLength)
    {
        var whole = CanonicalCapture.Canonicalize(algorithm, body, []);
        var pieces = CanonicalCapture.Canonicalize(algorithm, body, Enumerable.Repeat(pieceLength, body.Length / pieceLength + 1));
        FuzzPropertyException.Check(whole.AsSpan().SequenceEqual(pieces), $"{algorithm} body canonicalization depends on how the body is cut");
        var twice = CanonicalCapture.Canonicalize(algorithm, whole, []);
        FuzzPropertyException.Check(twice.AsSpan().SequenceEqual(whole), $"{algorithm} body canonicalization is not idempotent");
        using var hasher = new BodyHasher(algorithm, HashAlgorithmName.SHA256);
        for (var rest = body; !rest.IsEmpty; rest = rest[Math.Min(pieceLength, rest.Length)..])
        {
            hasher.Append(rest[..Math.Min(pieceLength, rest.Length)]);
        }

        FuzzPropertyException.Check(hasher.Finish().AsSpan().SequenceEqual(SHA256.HashData(whole)), $"{algorithm} body hash is not the hash of the canonical body");
    }
}
