namespace Milter.Configuration.Tests;

public class SocketSpecTests
{
    [Theory]
    [InlineData("inet:8891@localhost", SocketKind.Inet, 8891, "localhost", null)]
    [InlineData("inet:8891@127.0.0.1", SocketKind.Inet, 8891, "127.0.0.1", null)]
    [InlineData("inet:8891", SocketKind.Inet, 8891, null, null)]
    [InlineData("inet6:8891@[::1]", SocketKind.Inet6, 8891, "[::1]", null)]
    [InlineData("INET:25@mx.example", SocketKind.Inet, 25, "mx.example", null)]
    [InlineData("local:/run/opendkim/opendkim.sock", SocketKind.Unix, 0, null, "/run/opendkim/opendkim.sock")]
    [InlineData("unix:/var/spool/postfix/opendkim/opendkim.sock", SocketKind.Unix, 0, null, "/var/spool/postfix/opendkim/opendkim.sock")]
    [InlineData("/run/milter.sock", SocketKind.Unix, 0, null, "/run/milter.sock")]
    public void Parses_libmilter_socket_syntax(string text, SocketKind kind, int port, string? host, string? path)
    {
        Assert.Equal(new SocketSpec(kind, port, host, path), SocketSpec.Parse(text));
    }

    [Fact]
    public void Postfix_order_gets_a_hint_with_the_right_spelling()
    {
        var error = Assert.Throws<FormatException>(() => SocketSpec.Parse("inet:localhost:8891"));

        Assert.Contains("inet:8891@localhost", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inet:0@localhost", "not a port number")]
    [InlineData("inet:70000@localhost", "not a port number")]
    [InlineData("inet:8891@", "nothing after '@'")]
    [InlineData("local:relative.sock", "absolute path")]
    [InlineData("tcp:8891@localhost", "unknown socket type")]
    [InlineData("localhost", "is not a socket")]
    public void Mistakes_say_what_is_wrong(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => SocketSpec.Parse(text));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inet:8891@localhost")]
    [InlineData("inet6:8891")]
    [InlineData("local:/run/x.sock")]
    public void Round_trips_through_ToString(string text)
    {
        Assert.Equal(text, SocketSpec.Parse(text).ToString());
    }
}
