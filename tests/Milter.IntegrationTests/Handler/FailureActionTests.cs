using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// The On-* settings applied to verified mail, with OpenDKIM's measured replies (§2): reject = 550 5.7.0,
/// tempfail = 451 4.7.0 (4.7.5 when the key could not be retrieved), each with OpenDKIM's text; discard; and
/// quarantine, which here really holds the message (a deliberate difference: OpenDKIM never negotiates it).
/// </summary>
public sealed class FailureActionTests
{
    private const string Config = "AuthservID test.example\n";

    private static TestMessage Unsigned() => TestMessage.Create(from: "Sender <sender@example.net>");

    private static TestMessage Signed(string selector = "sel2048") => Unsigned().SignedBy(TestKeys.Rsa, "example.net", selector);

    // A header change breaks the signature itself (the body hash still matches).
    private static TestMessage BadSignature() => Signed().Replace("Subject", " tampered");

    private static async Task<MessageOutcome> SendAsync(string settings, TestMessage message)
    {
        await using var rig = HandlerRig.Start(Config + settings);
        await using var mta = await rig.ConnectExternalAsync();
        return await mta.SendAsync(message, "QIDF");
    }

    [Theory]
    [InlineData("reject", "550 5.7.0 bad DKIM signature data")]
    [InlineData("tempfail", "451 4.7.0 bad DKIM signature data")]
    public async Task On_BadSignature_refuses_with_OpenDKIMs_reply(string action, string reply)
    {
        var outcome = await SendAsync($"On-BadSignature {action}\n", BadSignature());

        Assert.Equal("EOM", outcome.DecidedAt);
        Assert.Equal(reply, outcome.ReplyText);
        // OpenDKIM sends its A-R before the refusal; our protocol layer drops header changes of a refused message
        // (Postfix stores nothing of it), so nothing else goes out.
        Assert.Empty(outcome.Modifications);
    }

    [Theory]
    [InlineData("reject", "550 5.7.0 DKIM key retrieval failed")]
    [InlineData("tempfail", "451 4.7.5 DKIM key retrieval failed")]
    public async Task On_KeyNotFound_refuses_with_OpenDKIMs_reply(string action, string reply)
    {
        var outcome = await SendAsync($"On-KeyNotFound {action}\n", Signed("nx"));

        Assert.Equal(reply, outcome.ReplyText);
    }

    [Fact]
    public async Task On_NoSignature_reject_refuses_unsigned_mail()
    {
        var outcome = await SendAsync("On-NoSignature reject\n", Unsigned());

        Assert.Equal("550 5.7.0 no DKIM signature data", outcome.ReplyText);
        Assert.Empty(outcome.Modifications);
    }

    [Fact]
    public async Task AlwaysAddARHeader_reports_unsigned_mail_instead_of_applying_On_NoSignature()
    {
        // Measured through Postfix: OpenDKIM 2.11 with AlwaysAddARHeader accepts unsigned mail with dkim=none even
        // when On-NoSignature says reject; a drop-in must not start bouncing that mail.
        var outcome = await SendAsync("On-NoSignature reject\nAlwaysAddARHeader yes\n", Unsigned());

        outcome.AssertDelivered();
        Assert.Equal(["INSHEADER[0] Authentication-Results:  test.example; dkim=none; dkim-atps=neutral"], outcome.Describe());
    }

    [Fact]
    public async Task On_NoSignature_discard_discards_unsigned_mail()
    {
        var outcome = await SendAsync("On-NoSignature discard\n", Unsigned());

        Assert.Equal(("EOM", ReplyCode.Discard), (outcome.DecidedAt, outcome.Final.Code));
        Assert.Empty(outcome.Modifications);
    }

    [Fact]
    public async Task Quarantine_holds_the_message_and_continues()
    {
        var outcome = await SendAsync("On-BadSignature quarantine\n", BadSignature());

        Assert.Equal(ReplyCode.Continue, outcome.Final.Code);
        var described = outcome.Describe();
        Assert.Equal(2, described.Count);
        Assert.StartsWith("INSHEADER[0] Authentication-Results:  test.example;\n\tdkim=fail", described[0]);
        var quarantine = Assert.IsType<QuarantineReply>(outcome.Modifications[1]);
        Assert.StartsWith("dkim-milter: bad signature data (s=sel2048, d=example.net)", quarantine.Reason);
    }

    [Fact]
    public async Task Specific_setting_wins_over_On_Default()
    {
        const string Settings = "On-Default reject\nOn-NoSignature accept\n";

        (await SendAsync(Settings, Unsigned())).AssertDelivered();
        Assert.Equal("550 5.7.0 bad DKIM signature data", (await SendAsync(Settings, BadSignature())).ReplyText);
    }

    [Fact]
    public async Task On_Default_reject_does_not_turn_a_DNS_failure_into_a_permanent_refusal()
    {
        // Measured (§2, precedence run): with On-Default reject, SERVFAIL is still accepted. A 5xx for a temporary
        // DNS problem would bounce good mail for good.
        var outcome = await SendAsync("On-Default reject\nOn-NoSignature accept\n", Signed("servfail"));

        outcome.AssertDelivered();
    }

    [Theory]
    [InlineData("unsigned")]
    [InlineData("bad signature")]
    [InlineData("key not found")]
    [InlineData("key revoked")]
    [InlineData("DNS failure")]
    public async Task By_default_every_verification_problem_is_delivered(string problem)
    {
        var message = problem switch
        {
            "unsigned" => Unsigned(),
            "bad signature" => BadSignature(),
            "key not found" => Signed("nx"),
            "key revoked" => Signed("revoked"),
            _ => Signed("servfail"),
        };

        var outcome = await SendAsync("", message);

        outcome.AssertDelivered();
        if (problem == "DNS failure")
        {
            Assert.Contains("dkim=temperror", outcome.ResultsValue, StringComparison.Ordinal);
        }
    }
}
