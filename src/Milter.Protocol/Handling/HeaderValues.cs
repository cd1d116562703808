namespace Milter.Protocol.Handling;

/// <summary>
/// Converts header values between the message (CRLF folding, the space after the colon included) and the milter
/// wire (bare-LF folding; without HDR_LEADSPC one leading space removed by the MTA on the way in and added back
/// by it on the way out).
/// </summary>
public static class HeaderValues
{
    /// <summary>
    /// Message-level value from a received wire value. With HDR_LEADSPC the wire value is exact. Without it the MTA
    /// removed one space, and only a space (Postfix's milter8.c and Sendmail: "eats one space (not tab) after the
    /// colon"), if the value started with one; what was there is rebuilt as faithfully as the wire allows:
    /// <list type="bullet">
    /// <item>a value starting with a space had two or more spaces after the colon: one space is put back;</item>
    /// <item>a value starting with a tab had the tab right after the colon (a space was not there to eat): kept;</item>
    /// <item>a value starting with a line break was folded right after the colon: kept;</item>
    /// <item>an empty value stays empty: "Name:" with nothing after it is the usual empty header;</item>
    /// <item>otherwise the usual single space is put back.</item>
    /// </list>
    /// What stays ambiguous: "Name:value" (no space at all) arrives as "value", the same as "Name: value", and is
    /// rebuilt with the space; "Name: \tvalue" and "Name: " + fold arrive like the tab and fold forms above and are
    /// rebuilt without the space. Only simple header canonicalization sees the difference (relaxed removes the
    /// whitespace after the colon), and only milter protocol 6 with HDR_LEADSPC removes the guesswork.
    /// </summary>
    public static byte[] FromWire(ReadOnlySpan<byte> wire, bool leadingSpaceNegotiated)
    {
        bool restoreSpace = !leadingSpaceNegotiated && !wire.IsEmpty && wire[0] != (byte)'\t' && wire[0] != (byte)'\r' && wire[0] != (byte)'\n';
        int extra = restoreSpace ? 1 : 0;
        int bareLineFeeds = CountBareLineFeeds(wire);
        var raw = new byte[wire.Length + extra + bareLineFeeds];
        int o = 0;
        if (restoreSpace)
        {
            raw[o++] = (byte)' ';
        }

        for (int i = 0; i < wire.Length; i++)
        {
            if (wire[i] == (byte)'\n' && (i == 0 || wire[i - 1] != (byte)'\r'))
            {
                raw[o++] = (byte)'\r';
            }

            raw[o++] = wire[i];
        }

        return raw;
    }

    /// <summary>Wire value for a header the milter adds or changes, from its message-level value.</summary>
    public static byte[] ToWire(ReadOnlySpan<byte> raw, bool leadingSpaceNegotiated)
    {
        // Without HDR_LEADSPC the MTA writes ": " itself, so our own leading space must go.
        if (!leadingSpaceNegotiated && raw.Length > 0 && raw[0] == (byte)' ')
        {
            raw = raw[1..];
        }

        // Folding goes to the MTA as bare LF: a CRLF would leave a stray CR in the stored message.
        var wire = new byte[raw.Length - raw.Count("\r\n"u8)];
        int o = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'\r' && i + 1 < raw.Length && raw[i + 1] == (byte)'\n')
            {
                continue;
            }

            wire[o++] = raw[i];
        }

        return wire;
    }

    private static int CountBareLineFeeds(ReadOnlySpan<byte> value)
    {
        int count = 0;
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == (byte)'\n' && (i == 0 || value[i - 1] != (byte)'\r'))
            {
                count++;
            }
        }

        return count;
    }
}
