using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Tests.Handling;

public class MilterDecisionTests
{
    public static TheoryData<string, char, bool> Decisions => new()
    {
        { nameof(MilterDecision.Continue), 'c', false },
        { nameof(MilterDecision.Accept), 'a', true },
        { nameof(MilterDecision.Reject), 'r', true },
        { nameof(MilterDecision.TempFail), 't', true },
        { nameof(MilterDecision.Discard), 'd', true },
        { nameof(MilterDecision.Shutdown), '4', true },
        { nameof(MilterDecision.Skip), 's', false },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Each_decision_is_one_final_reply(string name, char code, bool endsTransaction)
    {
        var decision = (MilterDecision)typeof(MilterDecision).GetProperty(name)!.GetValue(null)!;
        Assert.Equal((byte)code, decision.Reply.Code);
        Assert.True(decision.Reply.IsFinal);
        Assert.Equal(endsTransaction, decision.EndsTransaction);
    }

    [Fact]
    public void A_reply_code_decision_ends_the_transaction()
    {
        var decision = MilterDecision.WithReply(SmtpReply.Create(451, "4.7.1", "later"));
        Assert.Equal(ReplyCode.ReplyWithCode, decision.Reply.Code);
        Assert.True(decision.EndsTransaction);
        Assert.IsType<ReplyWithCodeReply>(decision.Reply);
    }
}
