namespace Milter.Dkim.Canonicalization;

/// <summary>
/// RFC 6376 §3.4.3: "ignores all empty lines at the end of the message body ... If there is no body or no
/// trailing CRLF on the message body, a CRLF is added." Everything else passes unchanged.
/// </summary>
public sealed class SimpleBodyCanonicalizer(ICanonicalOutput output) : BodyCanonicalizer(output)
{
    /// <inheritdoc />
    public override void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (HeldCarriageReturn)
            {
                HeldCarriageReturn = false;
                if (data[0] == (byte)'\n')
                {
                    HeldLineBreaks++;
                    data = data[1..];
                    continue;
                }

                // A bare CR is content.
                ReleaseLineBreaks();
                Emit("\r"u8);
            }

            if (data[0] == (byte)'\r')
            {
                HeldCarriageReturn = true;
                data = data[1..];
                continue;
            }

            // Content up to the next CR passes as it is, after any empty lines it proves were not trailing.
            int run = data.IndexOf((byte)'\r');
            if (run < 0)
            {
                run = data.Length;
            }

            ReleaseLineBreaks();
            Emit(data[..run]);
            data = data[run..];
        }
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
