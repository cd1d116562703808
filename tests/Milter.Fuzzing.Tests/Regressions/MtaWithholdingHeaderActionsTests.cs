using Milter.Fuzzing.Support;
using Milter.Fuzzing.Targets;

namespace Milter.Fuzzing.Tests.Regressions;

/// <summary>
/// Found by the dkim-session target (36 crashes in its first 5 minutes, all this one): the recorded signing session
/// with OPTNEG's actions field replaced by 0x42424242, an MTA that does not let the milter add or change headers.
/// End of message then threw InvalidOperationException ("InsertHeader needs the AddHeaders action, which was not
/// negotiated with the MTA"), logged as a handler failure, and the message was tempfailed. Fixed as OpenDKIM does
/// it: the DKIM handler requires both header actions, and the session refuses such an MTA at OPTNEG (it closes with a
/// warning; Postfix would apply milter_default_action, tempfail by default). Nothing is ever accepted unsigned.
/// </summary>
public sealed class MtaWithholdingHeaderActionsTests
{
    [Fact]
    public void An_MTA_that_withholds_the_header_actions_is_refused_at_negotiation()
    {
        var input = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "corpus", "dkim-session", "sign-loopback.bin"));
        // Bytes 9-12: the actions field of the first packet, OPTNEG (length 4, command 1, version 4, actions 4).
        input[9] = input[10] = input[11] = input[12] = 0x42;
        var log = new ProblemLogger();
        using var rig = DkimRig.Create();
        using var handler = rig.CreateHandler(log);

        var replies = InMemorySession.ReadReplies(InMemorySession.Run(input, handler, log));

        // Not even a negotiation reply: the session ended at OPTNEG, no message was seen, nothing failed.
        Assert.Empty(replies);
        Assert.Empty(log.Problems);
        using var target = new DkimSessionTarget();
        Assert.Null(FuzzHarness.Execute(target, input));
    }
}
