using System.Buffers;
using Milter.Dkim.Canonicalization;

namespace Milter.Fuzzing.Support;

/// <summary>Collects canonical body bytes instead of hashing them, so outputs can be compared.</summary>
public sealed class CanonicalCapture : ICanonicalOutput
{
    private readonly ArrayBufferWriter<byte> _bytes = new();

    /// <summary>Everything written so far.</summary>
    public ReadOnlySpan<byte> Written => _bytes.WrittenSpan;

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> bytes) => _bytes.Write(bytes);

    /// <summary>The canonical form of <paramref name="body"/> fed in the given pieces (in order, covering it all).</summary>
    public static byte[] Canonicalize(CanonicalizationAlgorithm algorithm, ReadOnlySpan<byte> body, IEnumerable<int> pieceLengths)
    {
        ArgumentNullException.ThrowIfNull(pieceLengths);
        var capture = new CanonicalCapture();
        var canonicalizer = BodyCanonicalizer.Create(algorithm, capture);
        foreach (int length in pieceLengths)
        {
            int take = Math.Min(length, body.Length);
            canonicalizer.Append(body[..take]);
            body = body[take..];
        }

        canonicalizer.Append(body);
        canonicalizer.Finish();
        return capture.Written.ToArray();
    }

    /// <summary>The canonical form of one header field (with its CRLF).</summary>
    public static byte[] CanonicalizeHeader(CanonicalizationAlgorithm algorithm, string name, ReadOnlySpan<byte> rawValue)
    {
        var output = new ArrayBufferWriter<byte>();
        HeaderCanonicalizer.Write(output, algorithm, name, rawValue, terminate: true);
        return output.WrittenSpan.ToArray();
    }
}
