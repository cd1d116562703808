using System.Buffers;
using System.Security.Cryptography;

namespace Milter.Dkim.Canonicalization;

/// <summary>
/// The header hash of RFC 6376 §3.7, shared by signing and verifying: the fields h= selects, in h= order, each
/// canonicalized and ended with CRLF; then the DKIM-Signature field itself, canonicalized, with its b= value
/// empty and no final CRLF.
/// </summary>
public static class HeaderHash
{
    /// <summary>
    /// SHA-256 of the header input (the only hash this code signs or verifies with: rsa-sha1 is refused before
    /// any hashing, RFC 8301). <paramref name="signature"/> must already have an empty b= value.
    /// </summary>
    public static byte[] Compute(IReadOnlyList<HeaderField> headers, IReadOnlyList<string> signedNames, CanonicalizationAlgorithm canonicalization,
        HeaderField signature)
    {
        var input = new ArrayBufferWriter<byte>(4096);
        foreach (var selected in HeaderSelection.Select(headers, signedNames))
        {
            if (selected is { } field)
            {
                HeaderCanonicalizer.Write(input, canonicalization, field.Name, field.RawValue.Span, terminate: true);
            }
        }

        HeaderCanonicalizer.Write(input, canonicalization, signature.Name, signature.RawValue.Span, terminate: false);
        return SHA256.HashData(input.WrittenSpan);
    }

    /// <summary>
    /// A DKIM-Signature value with the b= value deleted: "the value of the b= tag (including all surrounding
    /// whitespace) is deleted (i.e., treated as the empty string)" - everything from after "b=" to the next ';'
    /// or the end goes.
    /// </summary>
    public static byte[] WithoutSignatureValue(ReadOnlySpan<byte> value)
    {
        int start = 0;
        while (start < value.Length)
        {
            int end = value[start..].IndexOf((byte)';');
            end = end < 0 ? value.Length : start + end;
            var spec = value[start..end];
            int equals = spec.IndexOf((byte)'=');
            if (equals >= 0 && spec[..equals].Trim(" \t\r\n"u8).SequenceEqual("b"u8))
            {
                int cut = start + equals + 1;
                var result = new byte[cut + value.Length - end];
                value[..cut].CopyTo(result);
                value[end..].CopyTo(result.AsSpan(cut));
                return result;
            }

            start = end + 1;
        }

        return value.ToArray();
    }
}
