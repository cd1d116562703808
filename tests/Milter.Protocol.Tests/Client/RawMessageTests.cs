using Milter.Protocol.Client;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Client;

public class RawMessageTests
{
    private const string CrLfMessage =
        "From: a@example.org\r\n" +
        "Subject: hello\r\n world\r\n\tagain\r\n" +
        "X-Empty:\r\n" +
        "X-Tight:value\r\n" +
        "\r\n" +
        "body line 1\r\n" +
        "Not-A-Header: in the body\r\n" +
        "\r\n" +
        "last\r\n";

    [Fact]
    public void Splits_headers_with_folding_and_the_body()
    {
        var (headers, body) = RawMessage.Split(Ascii(CrLfMessage));
        AssertHeaders(headers);
        Assert.Equal(Ascii("body line 1\r\nNot-A-Header: in the body\r\n\r\nlast\r\n"), body);
    }

    [Fact]
    public void LF_only_input_gives_the_same_result_with_CRLF()
    {
        var (headers, body) = RawMessage.Split(Ascii(CrLfMessage.Replace("\r\n", "\n", StringComparison.Ordinal)));
        AssertHeaders(headers);
        Assert.Equal(Ascii("body line 1\r\nNot-A-Header: in the body\r\n\r\nlast\r\n"), body);
    }

    [Fact]
    public void Body_line_ends_become_CRLF_without_doubling_CR()
    {
        var (_, body) = RawMessage.Split(Ascii("S: x\n\na\nb\r\nc\n\nd"));
        Assert.Equal(Ascii("a\r\nb\r\nc\r\n\r\nd"), body);
    }

    [Fact]
    public void Blank_lines_at_the_start_of_the_body_are_kept()
    {
        var (_, body) = RawMessage.Split(Ascii("S: x\n\n\n\nbody\n"));
        Assert.Equal(Ascii("\r\n\r\nbody\r\n"), body);
    }

    [Fact]
    public void Headers_only_gives_an_empty_body()
    {
        var (headers, body) = RawMessage.Split(Ascii("Subject: x\r\n"));
        Assert.Equal("Subject", Assert.Single(headers).Name);
        Assert.Empty(body);

        var (headers2, body2) = RawMessage.Split(Ascii("Subject: x\r\n\r\n"));
        Assert.Single(headers2);
        Assert.Empty(body2);

        var (headers3, _) = RawMessage.Split(Ascii("Subject: x"));
        Assert.Equal(Ascii(" x"), Assert.Single(headers3).RawValue);
    }

    [Fact]
    public void No_headers_at_all()
    {
        var (headers, body) = RawMessage.Split(Ascii("\r\nbody\r\n"));
        Assert.Empty(headers);
        Assert.Equal(Ascii("body\r\n"), body);
    }

    [Fact]
    public void Colons_in_values_and_8_bit_bytes_are_kept()
    {
        var (headers, _) = RawMessage.Split(Ascii("Subject: Re: a:b \xC3\xA9\xFF\r\n\r\n"));
        var (name, raw) = Assert.Single(headers);
        Assert.Equal("Subject", name);
        Assert.Equal(Ascii(" Re: a:b \xC3\xA9\xFF"), raw);
    }

    [Fact]
    public void A_header_line_without_a_colon_is_refused()
    {
        Assert.Throws<FormatException>(() => RawMessage.Split(Ascii("From: a\r\nno colon here\r\n\r\nbody")));
    }

    private static void AssertHeaders(List<(string Name, byte[] RawValue)> headers)
    {
        Assert.Equal(["From", "Subject", "X-Empty", "X-Tight"], headers.Select(h => h.Name));
        Assert.Equal(Ascii(" a@example.org"), headers[0].RawValue);
        Assert.Equal(Ascii(" hello\r\n world\r\n\tagain"), headers[1].RawValue);
        Assert.Empty(headers[2].RawValue);
        Assert.Equal(Ascii("value"), headers[3].RawValue);
    }
}
