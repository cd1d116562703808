using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Tests.Session;

/// <summary>
/// Exactly one reply per command that is owed one, and none otherwise: an extra reply desynchronises Postfix.
/// </summary>
public class NoReplyTests
{
    private static readonly SimpleReply C = SimpleReply.Continue;

    [Fact]
    public async Task MACRO_ABORT_and_QUIT_NC_get_no_reply()
    {
        await using var harness = new SessionHarness();
        var replies = await harness.RunScriptAsync(
            Cmd.Optneg6,
            Cmd.ConnectMacros(("j", "mx")), Cmd.Connect,
            Cmd.Macros(CommandCode.Helo), Cmd.Helo,
            Cmd.Abort, Cmd.Abort,
            Cmd.Macros(CommandCode.Mail, ("i", "Q1")), Cmd.Mail(),
            Cmd.Macros(CommandCode.Recipient, ("{rcpt_addr}", "b@example.org")), Cmd.Rcpt(),
            Cmd.Macros(CommandCode.Header, ("i", "Q1")), Cmd.Macros(CommandCode.Body, ("i", "Q1")), Cmd.Macros((byte)'Z', ("x", "y")),
            Cmd.Abort,
            Cmd.QuitNc,
            Cmd.ConnectMacros(("j", "mx")), Cmd.Connect);

        // OPTNEG, CONNECT, HELO, MAIL, RCPT, CONNECT: nothing else.
        Assert.IsType<NegotiationReply>(replies[0]);
        Assert.Equal([C, C, C, C, C], replies.Skip(1));
    }

    [Fact]
    public async Task MACRO_alone_gets_no_reply_and_its_command_exactly_one()
    {
        await using var harness = new SessionHarness();
        await harness.ExchangeAsync(1, Cmd.Optneg6);
        await harness.SendAsync(Cmd.ConnectMacros(("j", "mx")));
        await harness.SendAsync(Cmd.Connect);
        Assert.Equal(C, await harness.ReadReplyAsync());
        Assert.Empty(await harness.FinishAsync());
    }

    [Fact]
    public async Task QUIT_gets_no_reply()
    {
        await using var harness = new SessionHarness();
        await harness.SendAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Abort, Cmd.Abort, Cmd.Quit);
        await harness.WaitForEndAsync();
        var replies = await harness.ReadRemainingAsync();
        Assert.Equal(3, replies.Count);
        // Exactly the bytes of O (13-byte payload) and two 'c': nothing hides after them.
        Assert.Equal(17 + 5 + 5, harness.Output.Writes.Sum(w => w.Length));
    }

    [Fact]
    public async Task With_NR_HDR_three_headers_and_EOH_get_exactly_one_reply()
    {
        var handler = new RecordingHandler { Wanted = new MilterNegotiation(MilterActions.None, ProtocolOptions.NoReplyHeader) };
        await using var harness = new SessionHarness(handler);
        var reply = await harness.Client.NegotiateAsync(MtaProfile.Postfix6).WaitAsync(SessionHarness.Timeout);
        Assert.Equal(ProtocolOptions.NoReplyHeader, reply.Protocol);
        await harness.ExchangeAsync(4, Cmd.Connect, Cmd.Mail(), Cmd.Rcpt(), Cmd.Data);

        await harness.SendAsync(Cmd.Header("From", "a@example.org"));
        await harness.SendAsync(Cmd.Header("To", "b@example.org"));
        await harness.SendAsync(Cmd.Header("Subject", "hi"));
        await harness.SendAsync(Cmd.Eoh);
        Assert.Equal(C, await harness.ReadReplyAsync());

        Assert.Empty(await harness.FinishAsync());
        Assert.Equal(["From", "To", "Subject"], harness.Handler.Headers.Select(h => h.Name));
    }

    public static TheoryData<string, char> NoReplyFlags => new()
    {
        { nameof(ProtocolOptions.NoReplyConnect), 'C' },
        { nameof(ProtocolOptions.NoReplyHelo), 'H' },
        { nameof(ProtocolOptions.NoReplyMail), 'M' },
        { nameof(ProtocolOptions.NoReplyRecipient), 'R' },
        { nameof(ProtocolOptions.NoReplyData), 'T' },
        { nameof(ProtocolOptions.NoReplyUnknown), 'U' },
        { nameof(ProtocolOptions.NoReplyHeader), 'L' },
        { nameof(ProtocolOptions.NoReplyEndOfHeaders), 'N' },
        { nameof(ProtocolOptions.NoReplyBody), 'B' },
    };

    private static MilterCommand[] AllSteps =>
        [Cmd.Connect, Cmd.Helo, Cmd.Mail(), Cmd.Rcpt(), Cmd.Data, Cmd.Unknown(), Cmd.Header("Subject", "x"), Cmd.Eoh, Cmd.Body("x"), Cmd.Eom];

    private static readonly string[] StepNames = ["CONNECT", "HELO", "MAIL", "RCPT", "DATA", "UNKNOWN", "HEADER", "EOH", "BODY", "EOM"];

    [Theory]
    [MemberData(nameof(NoReplyFlags))]
    public async Task Each_no_reply_flag_silences_exactly_its_step(string flag, char command)
    {
        var option = Enum.Parse<ProtocolOptions>(flag);
        int silent = Array.FindIndex(AllSteps, c => c.Code == (byte)command);
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.None, option),
            // Step k sends k progress replies first, so the reply stream shows which step answered.
            DuringStep = async (step, ctx) =>
            {
                for (int i = 0; i <= Array.IndexOf(StepNames, step); i++)
                {
                    await ctx.SendProgressAsync();
                }
            },
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync([Cmd.Optneg6, .. AllSteps]);

        var negotiated = Assert.IsType<NegotiationReply>(replies[0]);
        Assert.Equal(option, negotiated.Protocol);
        var expected = new System.Text.StringBuilder();
        for (int k = 0; k < AllSteps.Length; k++)
        {
            expected.Append('p', k + 1);
            if (k != silent)
            {
                expected.Append('c');
            }
        }

        Assert.Equal(expected.ToString(), new string([.. replies.Skip(1).Select(r => (char)r.Code)]));
        // The handler still ran at the silent step.
        Assert.Equal([.. StepNames, "CLOSE"], harness.Handler.Calls);
    }

    [Fact]
    public async Task All_no_reply_flags_at_once_leave_only_OPTNEG_and_end_of_message_answered()
    {
        const ProtocolOptions all = ProtocolOptions.NoReplyConnect | ProtocolOptions.NoReplyHelo | ProtocolOptions.NoReplyMail
            | ProtocolOptions.NoReplyRecipient | ProtocolOptions.NoReplyData | ProtocolOptions.NoReplyUnknown | ProtocolOptions.NoReplyHeader
            | ProtocolOptions.NoReplyEndOfHeaders | ProtocolOptions.NoReplyBody;
        await using var harness = new SessionHarness(new RecordingHandler { Wanted = new MilterNegotiation(MilterActions.None, all) });
        var replies = await harness.RunScriptAsync([Cmd.Optneg6, .. AllSteps]);
        Assert.Equal(2, replies.Count);
        Assert.Equal(C, replies[1]);
    }

    [Fact]
    public async Task A_reject_where_no_reply_was_negotiated_answers_the_next_step_owed_a_reply()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.None, ProtocolOptions.NoReplyHeader),
            Decide = (step, _) => step == "HEADER" ? MilterDecision.Reject : null,
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(
            Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Rcpt(), Cmd.Header("A", "1"), Cmd.Header("B", "2"), Cmd.Eoh, Cmd.Abort,
            Cmd.Mail(), Cmd.Rcpt(), Cmd.Abort);

        // O, CONNECT, MAIL, RCPT, then EOH answers with the reject; the second message starts afresh.
        Assert.Equal([C, C, C, SimpleReply.Reject, C, C], replies.Skip(1));
        var deferred = Assert.Single(harness.Logs.Warnings, w => w.EventId.Id == 111);
        Assert.Contains("HEADER", deferred.Message, StringComparison.Ordinal);
        // Once it had decided, the handler was not asked about the rest of that message.
        Assert.Equal(["CONNECT", "MAIL", "RCPT", "HEADER", "ABORT", "MAIL", "RCPT", "ABORT", "CLOSE"], harness.Handler.Calls);
    }

    [Fact]
    public async Task A_failure_in_an_unanswered_body_chunk_tempfails_the_message_at_end_of_message()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders, ProtocolOptions.NoReplyBody | ProtocolOptions.NoReplyHeader),
            Decide = (step, _) => step == "BODY" ? throw new InvalidOperationException("handler bug") : null,
            OnEndOfMessage = ctx => ctx.Modifications.AddHeader("X-Never", "added"),
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(
            Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Header("A", "1"), Cmd.Eoh, Cmd.Body("x"), Cmd.Body("y"), Cmd.Eom);

        // CONNECT, MAIL, EOH continue; the two chunks are unanswered; end of message gets the tempfail and no header.
        Assert.Equal([C, C, C, SimpleReply.TempFail], replies.Skip(1));
        Assert.Equal(1, harness.Handler.Count("BODY"));
        Assert.Equal(0, harness.Handler.Count("EOM"));
    }

    [Fact]
    public async Task A_deferred_decision_does_not_outlive_its_message()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.None, ProtocolOptions.NoReplyRecipient),
            Decide = (step, _) => step == "RCPT" ? MilterDecision.TempFail : null,
        };
        await using var harness = new SessionHarness(handler);
        // The MTA aborts before any step is answered: the next message is not tempfailed for the first one's sake.
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Rcpt(), Cmd.Abort, Cmd.Mail(), Cmd.Eoh);
        Assert.Equal([C, C, C, C], replies.Skip(1));
    }

    [Fact]
    public async Task Skip_is_sent_for_a_body_chunk_when_negotiated()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.None, ProtocolOptions.Skip),
            Decide = (step, _) => step is "BODY" or "HEADER" ? MilterDecision.Skip : null,
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Header("A", "1"), Cmd.Body("x"), Cmd.Eom);
        // SKIP is only a body reply: at HEADER it becomes continue.
        Assert.Equal([C, C, C, SimpleReply.Skip, C], replies.Skip(1));
    }

    [Fact]
    public async Task Skip_becomes_continue_where_SKIP_was_not_negotiated()
    {
        var handler = new RecordingHandler { Decide = (_, _) => MilterDecision.Skip };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(Cmd.Optneg(MtaProfile.Postfix2), Cmd.Connect, Cmd.Mail(), Cmd.Body("x"), Cmd.Eom);
        Assert.Equal([C, C, C, C], replies.Skip(1));
    }

    [Theory]
    [InlineData("CONNECT", 'r')]
    [InlineData("HELO", 't')]
    [InlineData("MAIL", 'd')]
    [InlineData("RCPT", 'r')]
    [InlineData("EOH", 'a')]
    [InlineData("BODY", '4')]
    [InlineData("EOM", 'd')]
    public async Task A_decision_is_sent_as_exactly_one_reply(string step, char code)
    {
        var decision = SimpleReply.FromCode((byte)code) switch
        {
            var r when r == SimpleReply.Reject => MilterDecision.Reject,
            var r when r == SimpleReply.TempFail => MilterDecision.TempFail,
            var r when r == SimpleReply.Discard => MilterDecision.Discard,
            var r when r == SimpleReply.Accept => MilterDecision.Accept,
            _ => MilterDecision.Shutdown,
        };
        await using var harness = new SessionHarness(new RecordingHandler { Decide = (s, _) => s == step ? decision : null });
        await harness.ExchangeAsync(1, Cmd.Optneg6);
        MilterCommand[] steps = [Cmd.Connect, Cmd.Helo, Cmd.Mail(), Cmd.Rcpt(), Cmd.Eoh, Cmd.Body("x"), Cmd.Eom];
        var stepIndex = Array.FindIndex(["CONNECT", "HELO", "MAIL", "RCPT", "EOH", "BODY", "EOM"], s => s == step);
        var replies = await harness.RunScriptAsync(steps[..(stepIndex + 1)]);
        Assert.Equal(stepIndex + 1, replies.Count);
        Assert.Equal((byte)code, replies[^1].Code);
    }

    [Fact]
    public async Task A_reply_code_decision_carries_its_text()
    {
        var reply = SmtpReply.Create(550, "5.7.1", "no", "really not");
        await using var harness = new SessionHarness(new RecordingHandler { Decide = (s, _) => s == "RCPT" ? MilterDecision.WithReply(reply) : null });
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Rcpt(), Cmd.Rcpt("<c@example.org>"));
        Assert.Equal(new ReplyWithCodeReply("550-5.7.1 no\r\n550 5.7.1 really not"), replies[3]);
        Assert.Equal(new ReplyWithCodeReply("550-5.7.1 no\r\n550 5.7.1 really not"), replies[4]);
    }
}
