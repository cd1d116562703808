using Milter.IntegrationTests.Postfix;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// On-* actions as the SMTP client sees them through Postfix: the milter's reply at end of DATA becomes Postfix's
/// reply, with OpenDKIM's codes and texts (docs/measurements/opendkim-2.11-verify-and-sign.md §2, item 9).
/// </summary>
public sealed class OnActionTests(OnActionFixture fixture) : IClassFixture<OnActionFixture>
{
    public static TheoryData<string, int, string> Refusals { get; } = new()
    {
        { InboundCorpus.BodyTampered, 550, "550 5.7.0 bad DKIM signature data" },
        { InboundCorpus.KeyNxDomain, 451, "451 4.7.5 DKIM key retrieval failed" },
        { InboundCorpus.NoSignature, 550, "550 5.7.0 no DKIM signature data" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Daemon_refuses_at_end_of_data(string name, int code, string reply)
    {
        var refusal = await RefusalAsync(fixture.Ours.Side, name);

        Assert.Equal("SMTP `(end of DATA)` got unexpected reply: " + reply, refusal.Message);
        Assert.Equal(code, refusal.Code);
        Assert.Equal(reply, refusal.Reply);
    }

    /// <summary>The same configuration through the real OpenDKIM: what the daemon's replies are measured against.</summary>
    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task OpenDKIM_refuses_alike(string name, int code, string reply)
    {
        var refusal = await RefusalAsync(fixture.OpenDkim.Side, name);

        Assert.Equal(code, refusal.Code);
        Assert.Equal(reply, refusal.Reply);
    }

    /// <summary>The actions apply to their situations only: a valid signature is still accepted and reported.</summary>
    [Fact]
    public async Task Daemon_accepts_a_valid_signature()
    {
        var message = fixture.Corpus[InboundCorpus.ValidRelaxedSimple];
        var postfix = fixture.Ours.Side.Postfix;

        await InboundMail.SendAsync(postfix, message);

        var delivered = await InboundMail.DeliveredAsync(postfix, 1);
        var field = Assert.Single(ResultsField.By(delivered[message.Name], InboundCorpus.AuthservId));
        Assert.Equal("pass", Assert.Single(field.Dkim).Result);
    }

    private async Task<SmtpReplyException> RefusalAsync(IInboundSide side, string name)
    {
        var exception = await Record.ExceptionAsync(() => InboundMail.SendAsync(side.Postfix, fixture.Corpus[name]));
        return exception as SmtpReplyException
            ?? throw new Xunit.Sdk.XunitException(
                $"{side.Name}: case {name} was not refused at end of DATA: {exception?.ToString() ?? "it was accepted"}\n--- {side.Name} output ---\n{side.MilterOutput}");
    }
}
