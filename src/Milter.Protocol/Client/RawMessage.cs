namespace Milter.Protocol.Client;

/// <summary>
/// Splits an RFC 5322 message the way an MTA presents it to a milter: header fields (folded lines joined, the
/// value being everything after the colon with CRLF folding) and the body with CRLF line ends.
/// Accepts LF-only input, as sendmail(1) does.
/// </summary>
public static class RawMessage
{
    /// <summary>Header fields and body of <paramref name="message"/>.</summary>
    public static (List<(string Name, byte[] RawValue)> Headers, byte[] Body) Split(ReadOnlySpan<byte> message)
    {
        var headers = new List<(string, byte[])>();
        var lines = new List<byte[]>();
        int position = 0;
        while (position < message.Length)
        {
            var line = NextLine(message, ref position);
            if (line.IsEmpty)
            {
                break;
            }

            bool continuation = line[0] is (byte)' ' or (byte)'\t';
            if (!continuation && lines.Count > 0)
            {
                headers.Add(ToField(lines));
                lines.Clear();
            }

            lines.Add(line.ToArray());
        }

        if (lines.Count > 0)
        {
            headers.Add(ToField(lines));
        }

        return (headers, ToCrLf(message[position..]));
    }

    private static ReadOnlySpan<byte> NextLine(ReadOnlySpan<byte> message, ref int position)
    {
        var rest = message[position..];
        int lf = rest.IndexOf((byte)'\n');
        if (lf < 0)
        {
            position = message.Length;
            return rest;
        }

        position += lf + 1;
        return rest[..(lf > 0 && rest[lf - 1] == (byte)'\r' ? lf - 1 : lf)];
    }

    private static (string, byte[]) ToField(List<byte[]> lines)
    {
        var first = lines[0];
        int colon = Array.IndexOf(first, (byte)':');
        if (colon < 0)
        {
            throw new FormatException($"header line without a colon: {System.Text.Encoding.Latin1.GetString(first)}");
        }

        var value = new List<byte>(first[(colon + 1)..]);
        foreach (var line in lines.Skip(1))
        {
            value.AddRange("\r\n"u8.ToArray());
            value.AddRange(line);
        }

        return (System.Text.Encoding.Latin1.GetString(first, 0, colon), value.ToArray());
    }

    private static byte[] ToCrLf(ReadOnlySpan<byte> body)
    {
        var output = new List<byte>(body.Length + body.Length / 32);
        for (int i = 0; i < body.Length; i++)
        {
            if (body[i] == (byte)'\n' && (i == 0 || body[i - 1] != (byte)'\r'))
            {
                output.Add((byte)'\r');
            }

            output.Add(body[i]);
        }

        return [.. output];
    }
}
