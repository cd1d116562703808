using System.Buffers;
using System.Text;

namespace Milter.Dkim.Canonicalization;

/// <summary>RFC 6376 §3.4.1 and §3.4.2: one header field in canonical form, written to a buffer.</summary>
public static class HeaderCanonicalizer
{
    private static readonly SearchValues<byte> FoldingWhitespace = SearchValues.Create(" \t\r\n"u8);

    /// <summary>
    /// Writes the canonical form of one field, followed by CRLF when <paramref name="terminate"/> (every
    /// signed header is; the DKIM-Signature being hashed is not).
    /// </summary>
    public static void Write(IBufferWriter<byte> output, CanonicalizationAlgorithm algorithm, string name, ReadOnlySpan<byte> rawValue, bool terminate)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(name);
        if (algorithm == CanonicalizationAlgorithm.Simple)
        {
            // "The 'simple' header canonicalization algorithm does not change header fields in any way."
            WriteLatin1(output, name);
            output.Write(":"u8);
            output.Write(rawValue);
        }
        else
        {
            WriteRelaxed(output, name, rawValue);
        }

        if (terminate)
        {
            output.Write("\r\n"u8);
        }
    }

    /// <summary>
    /// "Convert all header field names to lowercase; unfold all header field continuation lines; convert all
    /// sequences of one or more WSP characters to a single SP; delete all WSP characters at the end of each
    /// unfolded header field value; delete any WSP characters remaining before and after the colon."
    /// </summary>
    private static void WriteRelaxed(IBufferWriter<byte> output, string name, ReadOnlySpan<byte> value)
    {
        var trimmedName = name.AsSpan().TrimEnd(" \t");
        var span = output.GetSpan(trimmedName.Length + 1 + value.Length);
        int o = 0;
        foreach (char c in trimmedName)
        {
            span[o++] = (byte)(c is >= 'A' and <= 'Z' ? c + 32 : c);
        }

        span[o++] = (byte)':';
        // Folding whitespace (including the CRLF of a fold) collapses to one SP, except at the start (after the
        // colon) and at the end, where it disappears.
        bool pendingSpace = false;
        bool started = false;
        while (!value.IsEmpty)
        {
            int next = value.IndexOfAny(FoldingWhitespace);
            if (next < 0)
            {
                next = value.Length;
            }

            if (next > 0)
            {
                if (pendingSpace && started)
                {
                    span[o++] = (byte)' ';
                }

                value[..next].CopyTo(span[o..]);
                o += next;
                started = true;
                pendingSpace = false;
                value = value[next..];
            }

            int run = value.IndexOfAnyExcept(FoldingWhitespace);
            if (run < 0)
            {
                break;
            }

            pendingSpace |= run > 0;
            value = value[run..];
        }

        output.Advance(o);
    }

    private static void WriteLatin1(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        int written = Encoding.Latin1.GetBytes(text, span);
        output.Advance(written);
    }
}
