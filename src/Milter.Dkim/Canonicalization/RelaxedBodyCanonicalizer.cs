using System.Buffers;

namespace Milter.Dkim.Canonicalization;

/// <summary>
/// RFC 6376 §3.4.4: "Ignore all whitespace at the end of lines ... Reduce all sequences of WSP within a line to
/// a single SP ... Ignore all empty lines at the end of the message body ... If the body is non-empty but does
/// not end with a CRLF, a CRLF is added." An empty body stays empty.
/// </summary>
public sealed class RelaxedBodyCanonicalizer(ICanonicalOutput output) : BodyCanonicalizer(output)
{
    private static readonly SearchValues<byte> TabOrCarriageReturn = SearchValues.Create("\t\r"u8);
    private bool _pendingSpace;
    private bool _anyContent;

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
                    // End of line: whitespace before it is dropped; the line break waits (it may be trailing).
                    _pendingSpace = false;
                    HeldLineBreaks++;
                    data = data[1..];
                    continue;
                }

                WriteContent("\r"u8);
            }

            byte first = data[0];
            if (first == (byte)'\r')
            {
                HeldCarriageReturn = true;
                data = data[1..];
                continue;
            }

            if (first is (byte)' ' or (byte)'\t')
            {
                _pendingSpace = true;
                int whitespace = data.IndexOfAnyExcept((byte)' ', (byte)'\t');
                data = whitespace < 0 ? [] : data[whitespace..];
                continue;
            }

            // data[0] is content. A single SP between two non-whitespace bytes is already canonical, so the run
            // goes on to the first tab or CR, or the first double space before it, less a space at its very end
            // (which may turn out to be trailing whitespace): a line's worth per write rather than a word's.
            int run = data.IndexOfAny(TabOrCarriageReturn);
            if (run < 0)
            {
                run = data.Length;
            }

            int doubleSpace = data[..run].IndexOf("  "u8);
            if (doubleSpace >= 0)
            {
                run = doubleSpace;
            }

            if (data[run - 1] == (byte)' ')
            {
                run--;
            }

            WriteContent(data[..run]);
            data = data[run..];
        }
    }

    /// <inheritdoc />
    public override void Finish()
    {
        if (HeldCarriageReturn)
        {
            WriteContent("\r"u8);
            HeldCarriageReturn = false;
        }

        // Trailing whitespace and trailing empty lines are dropped; a non-empty body ends with exactly one CRLF.
        HeldLineBreaks = 0;
        if (_anyContent)
        {
            Emit("\r\n"u8);
        }
    }

    private void WriteContent(ReadOnlySpan<byte> content)
    {
        ReleaseLineBreaks();
        if (_pendingSpace)
        {
            Emit(" "u8);
            _pendingSpace = false;
        }

        Emit(content);
        _anyContent = true;
    }
}
