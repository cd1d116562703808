using Milter.Dkim.TagLists;

namespace Milter.Dkim.Tests.TagLists;

public class TagListTests
{
    [Fact]
    public void Whitespace_around_names_equals_and_semicolons_is_allowed_and_a_trailing_semicolon_too()
    {
        Assert.True(TagList.TryParse(" v = 1 ;\r\n\ta=rsa-sha256;  d =example.com ; ", out var list, out _));

        Assert.Equal([new("v", "1"), new("a", "rsa-sha256"), new("d", "example.com")], list.Tags);
    }

    [Fact]
    public void Names_are_case_sensitive_and_unknown_tags_are_kept()
    {
        Assert.True(TagList.TryParse("V=1; zz=unknown", out var list, out _));

        Assert.Null(list["v"]);
        Assert.Equal("1", list["V"]);
        Assert.Equal("unknown", list["zz"]);
    }

    [Theory]
    [InlineData("a=1; a=2", "duplicate tag 'a'")]
    [InlineData("a=1;; b=2", "empty tag")]
    [InlineData("a=1; b", "tag without '='")]
    [InlineData("1a=x", "invalid tag name")]
    [InlineData("=x", "invalid tag name")]
    public void Invalid_lists_say_why(string text, string expected)
    {
        Assert.False(TagList.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_may_be_empty()
    {
        Assert.True(TagList.TryParse("p=; t=y", out var list, out _));
        Assert.Equal("", list["p"]);
    }

    [Fact]
    public void Whitespace_inside_base64_values_is_removed()
    {
        Assert.Equal("MIIBIjANBgkq", TagList.RemoveWhitespace("MIIB Ij\r\n\tAN Bgkq"));
    }
}
