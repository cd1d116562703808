using Milter.Protocol.Handling;
using Milter.Protocol.Replies;

namespace Milter.Protocol.Tests.Handling;

public class SmtpReplyTests
{
    [Fact]
    public void One_line_with_enhanced_status()
    {
        var reply = SmtpReply.Create(550, "5.7.1", "Rejected by policy");
        Assert.Equal("550 5.7.1 Rejected by policy", reply.Text);
        Assert.Equal(550, reply.Code);
        Assert.False(reply.IsTemporary);
        Assert.Equal(reply.Text, reply.ToString());
    }

    [Fact]
    public void Temporary_reply()
    {
        var reply = SmtpReply.Create(451, "4.7.1", "Try again later");
        Assert.Equal("451 4.7.1 Try again later", reply.Text);
        Assert.True(reply.IsTemporary);
    }

    [Fact]
    public void Without_enhanced_status()
    {
        Assert.Equal("554 No thanks", SmtpReply.Create(554, null, "No thanks").Text);
    }

    [Fact]
    public void Multi_line_uses_dash_continuation_and_CRLF()
    {
        Assert.Equal("550-5.7.1 a\r\n550 5.7.1 b", SmtpReply.Create(550, "5.7.1", "a", "b").Text);
        Assert.Equal("421-first\r\n421-second\r\n421 third", SmtpReply.Create(421, null, "first", "second", "third").Text);
    }

    [Fact]
    public void Percent_is_doubled()
    {
        Assert.Equal("550 5.7.1 100%% sure, %%s", SmtpReply.Create(550, "5.7.1", "100% sure, %s").Text);
        Assert.Equal("550-a%%\r\n550 %%%%b", SmtpReply.Create(550, null, "a%", "%%b").Text);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(451)]
    [InlineData(500)]
    [InlineData(599)]
    public void Codes_4xx_and_5xx_are_accepted(int code)
    {
        Assert.Equal(code, SmtpReply.Create(code, null, "x").Code);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(250)]
    [InlineData(354)]
    [InlineData(399)]
    [InlineData(600)]
    [InlineData(5500)]
    [InlineData(-550)]
    public void Other_codes_are_refused(int code)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SmtpReply.Create(code, null, "x"));
    }

    [Theory]
    [InlineData(550, "4.7.1")]
    [InlineData(451, "5.7.1")]
    [InlineData(550, "2.0.0")]
    [InlineData(421, "2.0.0")]
    public void Enhanced_status_class_must_match_the_code(int code, string enhanced)
    {
        Assert.Throws<ArgumentException>(() => SmtpReply.Create(code, enhanced, "x"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5.7")]
    [InlineData("5.7.")]
    [InlineData("5.7.1.1")]
    [InlineData("x.7.1")]
    [InlineData("5.x.1")]
    [InlineData("5.1234.1")]
    [InlineData("5.7.1234")]
    [InlineData(" 5.7.1")]
    [InlineData("5.7.1 ")]
    [InlineData("5.7.1\r\n")]
    [InlineData("5 7 1")]
    public void Malformed_enhanced_status_is_refused(string enhanced)
    {
        Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, enhanced, "x"));
    }

    /// <summary>
    /// A trailing LF must not slip through: .NET's <c>$</c> also matches before a final '\n', and the enhanced
    /// status goes into the reply text verbatim, so "5.7.1\n" would put a bare LF into the SMTP reply.
    /// </summary>
    [Theory]
    [InlineData("5.7.1\n")]
    [InlineData("4.7.1\n")]
    public void Enhanced_status_with_a_trailing_line_feed_is_refused(string enhanced)
    {
        int code = enhanced[0] == '5' ? 550 : 451;
        var ex = Record.Exception(() => SmtpReply.Create(code, enhanced, "x"));
        Assert.True(ex is ArgumentException,
            $"accepted, giving reply text {Escape(ex is null ? SmtpReply.Create(code, enhanced, "x").Text : "")}");
    }

    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("a\r\nb")]
    [InlineData("a\0b")]
    [InlineData("\n")]
    public void CR_LF_and_NUL_in_a_line_are_refused(string line)
    {
        Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, "5.7.1", line));
        Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, "5.7.1", "fine", line));
    }

    [Fact]
    public void Null_line_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, null, "a", null!));
        Assert.Throws<ArgumentNullException>(() => SmtpReply.Create(550, null, null!));
    }

    [Fact]
    public void One_to_32_lines()
    {
        Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, null));
        var lines = Enumerable.Range(1, SmtpReply.MaxLines).Select(i => $"line {i}").ToArray();
        var reply = SmtpReply.Create(550, null, lines);
        Assert.Equal(SmtpReply.MaxLines, reply.Text.Split("\r\n").Length);
        Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, null, [.. lines, "one more"]));
    }

    [Fact]
    public void Lines_of_up_to_980_characters()
    {
        Assert.Equal(980, SmtpReply.MaxLineLength);
        var reply = SmtpReply.Create(550, "5.7.1", new string('a', 980));
        Assert.EndsWith(new string('a', 980), reply.Text, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SmtpReply.Create(550, "5.7.1", new string('a', 981)));
    }

    [Fact]
    public void Empty_line_text_is_allowed()
    {
        Assert.Equal("550 5.7.1 ", SmtpReply.Create(550, "5.7.1", "").Text);
    }

    [Fact]
    public void A_decision_with_a_reply_carries_its_text_as_REPLYCODE()
    {
        var decision = MilterDecision.WithReply(SmtpReply.Create(550, "5.7.1", "a", "b"));
        var reply = Assert.IsType<ReplyWithCodeReply>(decision.Reply);
        Assert.Equal("550-5.7.1 a\r\n550 5.7.1 b", reply.Text);
        Assert.Throws<ArgumentNullException>(() => MilterDecision.WithReply(null!));
    }

    private static string Escape(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
