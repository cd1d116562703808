namespace Milter.Dkim.Canonicalization;

/// <summary>
/// RFC 6376 §3.4.3: "ignores all empty lines at the end of the message body ... If there is no body or no
/// trailing CRLF on the message body, a CRLF is added." Everything else passes unchanged.
/// </summary>
public sealed class SimpleBodyCanonicalizer(ICanonicalOutput output) : BodyCanonicalizer(output)
{
    /// <inheritdoc />
    /// <remarks>
    /// Only trailing CRLFs are special in simple canonicalization, so a chunk goes out in one write except for
    /// the CRLFs at its end (they may be trailing empty lines: held) and a final CR (it may start a CRLF).
    /// Reading CRLFs from the right is safe: every CR directly followed by LF is a line break either way.
    /// </remarks>
    public override void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (HeldCarriageReturn)
        {
            HeldCarriageReturn = false;
            if (data[0] == (byte)'\n')
            {
                HeldLineBreaks++;
                data = data[1..];
            }
            else
            {
                // A bare CR is content.
                ReleaseLineBreaks();
                Emit("\r"u8);
            }
        }

        int end = data.Length;
        bool endsWithCarriageReturn = end > 0 && data[end - 1] == (byte)'\r';
        if (endsWithCarriageReturn)
        {
            end--;
        }

        long trailingLineBreaks = 0;
        while (end >= 2 && data[end - 2] == (byte)'\r' && data[end - 1] == (byte)'\n')
        {
            end -= 2;
            trailingLineBreaks++;
        }

        if (end > 0)
        {
            ReleaseLineBreaks();
            Emit(data[..end]);
        }

        HeldLineBreaks += trailingLineBreaks;
        HeldCarriageReturn = endsWithCarriageReturn;
    }

    /// <inheritdoc />
    public override void Finish()
    {
        if (HeldCarriageReturn)
        {
            ReleaseLineBreaks();
            Emit("\r"u8);
            HeldCarriageReturn = false;
        }

        // Either the CRLF that ended the last non-empty line (the others were trailing empty lines), or the one
        // added to a last line without it, or the CRLF that stands for an empty body.
        HeldLineBreaks = 0;
        Emit("\r\n"u8);
    }
}
