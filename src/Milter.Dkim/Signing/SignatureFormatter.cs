using System.Text;

namespace Milter.Dkim.Signing;

/// <summary>
/// Lays out a DKIM-Signature value the way OpenDKIM does, so the header looks familiar: tags separated by
/// "; ", lines kept within 75 columns (a tab counting 8, the field name counted on the first line), a new line
/// (CRLF + TAB) before a tag that does not fit, and h= and b= values that still do not fit continued on
/// lines starting with TAB + SP (h= breaking after a colon, b= anywhere).
/// </summary>
public static class SignatureFormatter
{
    /// <summary>OpenDKIM's line width.</summary>
    public const int Margin = 75;

    private const int TabWidth = 8;

    /// <summary>
    /// Formats <paramref name="tags"/> (name, value; in order, b= last) as the raw value of a field called
    /// <paramref name="fieldName"/>: a leading space, CRLF+TAB folding, no final CRLF.
    /// </summary>
    public static string Format(string fieldName, IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        ArgumentNullException.ThrowIfNull(fieldName);
        ArgumentNullException.ThrowIfNull(tags);
        var text = new StringBuilder(512);
        int column = fieldName.Length + 1;
        for (int i = 0; i < tags.Count; i++)
        {
            var (name, value) = tags[i];
            string tag = $"{name}={value}" + (i < tags.Count - 1 ? ";" : "");
            if (column + 1 + tag.Length <= Margin)
            {
                text.Append(' ').Append(tag);
                column += 1 + tag.Length;
                continue;
            }

            text.Append("\r\n\t");
            column = TabWidth;
            if (column + tag.Length <= Margin || name is not ("h" or "b"))
            {
                text.Append(tag);
                column += tag.Length;
                continue;
            }

            column = AppendSplit(text, column, tag, breakAfterColon: name == "h");
        }

        return text.ToString();
    }

    private static int AppendSplit(StringBuilder text, int column, string tag, bool breakAfterColon)
    {
        if (!breakAfterColon)
        {
            // b=: fill each line to the margin; continuation lines start with TAB + SP.
            int position = 0;
            while (position < tag.Length)
            {
                if (position > 0)
                {
                    text.Append("\r\n\t ");
                    column = TabWidth + 1;
                }

                int take = Math.Max(1, Math.Min(Margin - column, tag.Length - position));
                text.Append(tag, position, take);
                column += take;
                position += take;
            }

            return column;
        }

        // h=: pieces end after a colon ("h=From:" "To:" ...), never split.
        bool lineHasContent = false;
        foreach (string piece in SplitAfterColons(tag))
        {
            if (lineHasContent && column + piece.Length > Margin)
            {
                text.Append("\r\n\t ");
                column = TabWidth + 1;
            }

            text.Append(piece);
            column += piece.Length;
            lineHasContent = true;
        }

        return column;
    }

    private static List<string> SplitAfterColons(string tag)
    {
        var pieces = new List<string>();
        int start = 0;
        for (int i = 0; i < tag.Length; i++)
        {
            if (tag[i] == ':')
            {
                pieces.Add(tag[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < tag.Length)
        {
            pieces.Add(tag[start..]);
        }

        return pieces;
    }
}
