namespace Milter.Protocol.Handling;

/// <summary>
/// Converts header values between the message (CRLF folding, the space after the colon included) and the milter
/// wire (bare-LF folding; without HDR_LEADSPC one leading space removed by the MTA on the way in and added back
/// by it on the way out).
/// </summary>
public static class HeaderValues
{
    /// <summary>
    /// Message-level value from a received wire value. Without HDR_LEADSPC the MTA removed one leading space,
    /// which we put back; an empty wire value stays empty, because "Name:" with nothing after it is the usual
    /// form of an empty header (Postfix sends "" for both "Name:" and "Name: ", and only HDR_LEADSPC tells them
    /// apart).
    /// </summary>
    public static byte[] FromWire(ReadOnlySpan<byte> wire, bool leadingSpaceNegotiated)
    {
        bool restoreSpace = !leadingSpaceNegotiated && !wire.IsEmpty;
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
