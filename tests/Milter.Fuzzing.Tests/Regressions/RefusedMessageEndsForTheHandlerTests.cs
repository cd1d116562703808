using Milter.Fuzzing.Targets;

namespace Milter.Fuzzing.Tests.Regressions;

/// <summary>
/// Found by the session target's life-cycle check: OPTNEG (version 6, every flag offered, so headers get no
/// reply), CONNECT, MAIL, a HEADER the handler refuses (X-Reject: its reply is deferred), then BODYEOB, which the
/// session answers with the deferred rejection without calling the handler. The handler was never told the message
/// was over (no end of message, no abort): with the next MAIL it still had the old message open, and without one it
/// was closed with it open. The daemon's handler kept that message's state and its filter lease until then.
/// </summary>
public sealed class RefusedMessageEndsForTheHandlerTests
{
    private const string Prefix = "0000000d4f00000006000001ff001fffff" + "0000001343686f7374003400193132372e302e302e3100"
        + "000000074d3c6140623e00" + "0000000c4c582d52656a656374007600" + "0000000145";

    [Fact]
    public void Before_the_next_message() =>
        Assert.Null(FuzzHarness.Execute(new SessionTarget(), Convert.FromHexString(Prefix + "000000074d3c6140623e00" + "0000000151")));

    [Fact]
    public void Before_the_connection_closes() =>
        Assert.Null(FuzzHarness.Execute(new SessionTarget(), Convert.FromHexString(Prefix)));
}
