using Milter.Dkim.AuthenticationResults;

namespace Milter.Dkim.Tests.AuthenticationResults;

public sealed class AuthenticationResultsParserTests
{
    [Theory]
    [InlineData(" mx.example.com; dkim=pass header.d=example.com", "mx.example.com")]
    [InlineData("mx.example.com;dkim=pass", "mx.example.com")]
    [InlineData("mx.example.com; none", "mx.example.com")]
    [InlineData("mx.example.com", "mx.example.com")]
    [InlineData(" mx.example.com;\n\tdkim=pass (2048-bit key) header.d=example.com;\n\tdkim-atps=neutral", "mx.example.com")]
    [InlineData("\r\n\tmx.example.com;\r\n\tdkim=pass", "mx.example.com")]
    [InlineData("(relay) mx.example.com; spf=pass", "mx.example.com")]
    [InlineData("(a (nested) comment \\) with quoted-pair)\r\n mx.example.com; spf=pass", "mx.example.com")]
    [InlineData("mx.example.com(comment right after); spf=pass", "mx.example.com")]
    [InlineData("\"mx.example.com\"; none", "mx.example.com")]
    [InlineData("\"mx\\\"odd\\\\name\"; none", "mx\"odd\\name")]
    [InlineData("mx.example.com/4Qz5SP4DV5z; dkim=pass", "mx.example.com/4Qz5SP4DV5z")]
    [InlineData("MX.Example.COM; dkim=pass", "MX.Example.COM")]
    public void Authserv_id_is_read_past_cfws_comments_and_quotes(string value, string expected)
    {
        Assert.True(AuthenticationResultsParser.TryGetAuthservId(value, out string? id));
        Assert.Equal(expected, id);
    }

    [Theory]
    [InlineData("mx.example.com 1; dkim=pass", 1)]
    [InlineData("mx.example.com (v) 1 (comment); dkim=pass", 1)]
    [InlineData("\"mx.example.com\" 12; none", 12)]
    [InlineData("mx.example.com; dkim=pass", null)]
    [InlineData("mx.example.com dkim=pass", null)]
    public void Optional_version_after_the_id(string value, int? expected)
    {
        Assert.True(AuthenticationResultsParser.TryGetAuthservId(value, out _, out int? version));
        Assert.Equal(expected, version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \r\n\t")]
    [InlineData("(only a comment)")]
    [InlineData("(unterminated comment mx.example.com; dkim=pass")]
    [InlineData("\"unterminated mx.example.com; dkim=pass")]
    [InlineData("\"\"; none")]
    [InlineData("; dkim=pass")]
    public void Unreadable_ids(string value)
    {
        Assert.False(AuthenticationResultsParser.TryGetAuthservId(value, out string? id));
        Assert.Null(id);
    }

    [Theory]
    [InlineData(" mx.example.com; dkim=pass", true)]
    [InlineData("MX.EXAMPLE.COM; dkim=pass", true)]
    [InlineData("(forged) \"mx.example.com\" 1; dkim=pass", true)]
    [InlineData("mx.example.com/QUEUEID; dkim=pass", true)]
    [InlineData("mx.example.com.evil.net; dkim=pass", false)]
    [InlineData("evil-mx.example.com; dkim=pass", false)]
    [InlineData("mx.example.comx; dkim=pass", false)]
    [InlineData("other.example; dkim=pass (mx.example.com)", false)]
    [InlineData("(mx.example.com) other.example; dkim=pass", false)]
    [InlineData("(unterminated mx.example.com; dkim=pass", false)]
    public void Fields_claiming_our_authserv_id_are_recognised_for_deletion(string value, bool claims)
    {
        Assert.Equal(claims, AuthenticationResultsParser.ClaimsAuthservId(value, "mx.example.com"));
    }

    [Fact]
    public void Our_own_fields_are_recognised_as_ours()
    {
        foreach (var capture in OpenDkimCaptures.All.Values)
        {
            Assert.True(AuthenticationResultsParser.ClaimsAuthservId(capture.WireValue, OpenDkimCaptures.AuthservId), capture.Name);
        }
    }
}
