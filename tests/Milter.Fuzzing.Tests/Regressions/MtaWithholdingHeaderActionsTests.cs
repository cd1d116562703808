using Milter.Fuzzing.Support;
using Milter.Fuzzing.Targets;
using Milter.Protocol.Replies;

namespace Milter.Fuzzing.Tests.Regressions;

/// <summary>
/// Found by the dkim-session target (36 crashes in its first 5 minutes, all this one): the recorded signing session
/// with OPTNEG's actions field replaced by 0x42424242, an MTA that does not let the milter add headers. End of
/// message then throws InvalidOperationException ("InsertHeader needs the AddHeaders action, which was not
/// negotiated with the MTA"), logged as a handler failure. Not fixed (OpenDKIM refuses such an MTA in
/// mlfi_negotiate; our handler API has no way to refuse a negotiation yet): this test pins the property that
/// matters meanwhile, that the message is tempfailed and never accepted unsigned.
/// </summary>
public sealed class MtaWithholdingHeaderActionsTests
{
    [Fact]
    public void Mail_that_should_be_signed_is_tempfailed_not_passed_unsigned()
    {
        var input = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "corpus", "dkim-session", "sign-loopback.bin"));
        // Bytes 9-12: the actions field of the first packet, OPTNEG (length 4, command 1, version 4, actions 4).
        input[9] = input[10] = input[11] = input[12] = 0x42;
        var log = new ProblemLogger();
        using var rig = DkimRig.Create();
        using var handler = rig.CreateHandler(log);

        var replies = InMemorySession.ReadReplies(InMemorySession.Run(input, handler, log));

        Assert.Equal(SimpleReply.TempFail, replies[^1]);
        Assert.DoesNotContain(replies, reply => reply is InsertHeaderReply);
        Assert.Contains(log.Problems, problem => problem.Contains("which was not negotiated with the MTA", StringComparison.Ordinal));
        // The target looks past this known finding, so a fuzzing run goes deeper than it.
        using var target = new DkimSessionTarget();
        Assert.Null(FuzzHarness.Execute(target, input));
    }
}
