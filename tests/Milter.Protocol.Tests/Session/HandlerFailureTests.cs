using Microsoft.Extensions.Logging;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Tests.Handling;
using Milter.Protocol.Tests.TestSupport;

namespace Milter.Protocol.Tests.Session;

/// <summary>A handler's own failure is answered with tempfail (never a silent pass) and the session goes on.</summary>
public class HandlerFailureTests
{
    private static readonly SimpleReply C = SimpleReply.Continue;
    private static readonly SimpleReply T = SimpleReply.TempFail;

    private static MilterCommand[] Steps => [Cmd.Connect, Cmd.Helo, Cmd.Mail(), Cmd.Rcpt(), Cmd.Data, Cmd.Unknown(), Cmd.Header("S", "x"), Cmd.Eoh, Cmd.Body("x"), Cmd.Eom];

    public static TheoryData<string> StepNames => ["CONNECT", "HELO", "MAIL", "RCPT", "DATA", "UNKNOWN", "HEADER", "EOH", "BODY", "EOM"];

    [Theory]
    [MemberData(nameof(StepNames))]
    public async Task A_throwing_step_is_answered_tempfail_and_the_session_continues(string failing)
    {
        bool failed = false;
        var handler = new RecordingHandler
        {
            // Fails the first time only.
            Decide = (step, _) =>
            {
                if (step == failing && !failed)
                {
                    failed = true;
                    throw new InvalidDataException("boom");
                }

                return null;
            },
        };
        await using var harness = new SessionHarness(handler);
        int index = Array.IndexOf([.. StepNames], failing);
        var replies = await harness.ExchangeAsync(index + 2, [Cmd.Optneg6, .. Steps[..(index + 1)]]);
        Assert.Equal(T, replies[^1]);
        Assert.All(replies.Skip(1).SkipLast(1), r => Assert.Equal(C, r));

        // Tempfail inside a message ends it, as in libmilter; Postfix aborts and goes on with the next one.
        bool inMessage = index >= 2;
        var next = inMessage
            ? await harness.RunScriptAsync([Cmd.Abort, .. Cmd.Message()])
            : await harness.RunScriptAsync([.. Steps[(index + 1)..]]);
        Assert.All(next, r => Assert.Equal(C, r));
        Assert.Equal(inMessage ? 7 : Steps.Length - index - 1, next.Count);

        var error = Assert.Single(harness.Logs.Entries, e => e.EventId.Id == 120);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.IsType<InvalidDataException>(error.Exception);
        Assert.Contains(failing, error.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Logs.Warnings);
    }

    [Fact]
    public async Task An_asynchronous_failure_is_tempfail_too()
    {
        var handler = new RecordingHandler
        {
            DuringStep = async (step, _) =>
            {
                await Task.Yield();
                if (step == "EOH")
                {
                    throw new InvalidOperationException("late boom");
                }
            },
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Eoh, Cmd.Abort, Cmd.Mail());
        Assert.Equal([C, C, T, C], replies.Skip(1));
    }

    [Fact]
    public async Task Throwing_abort_and_close_are_logged_and_harmless()
    {
        var handler = new RecordingHandler
        {
            Observe = (step, _) =>
            {
                if (step is "ABORT" or "CLOSE")
                {
                    throw new InvalidDataException(step);
                }
            },
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Abort, Cmd.Mail(), Cmd.QuitNc, Cmd.Connect);
        Assert.Equal(5, replies.Count);
        Assert.Equal(["CONNECT", "MAIL", "ABORT", "MAIL", "ABORT", "CLOSE", "CONNECT", "CLOSE"], harness.Handler.Calls);
        Assert.Equal(4, harness.Logs.Entries.Count(e => e.EventId.Id == 120));
        Assert.Empty(harness.Logs.Warnings);
    }

    public static TheoryData<string, MilterActions> Operations => MessageModificationsTests.Operations;

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task A_modification_that_was_not_negotiated_throws_in_the_handler_and_gives_tempfail(string operation, MilterActions needed)
    {
        Exception? thrown = null;
        var handler = new RecordingHandler
        {
            // Everything Postfix offers except the action this operation needs.
            Wanted = new MilterNegotiation((MilterActions)0xFF & ~needed, ProtocolOptions.None),
            OnEndOfMessage = ctx =>
            {
                ctx.Modifications.AddRecipient("<fine@example.org>", needed == MilterActions.AddRecipients ? "X=1" : null);
                try
                {
                    MessageModificationsTests.Perform(ctx.Modifications, operation);
                }
                catch (Exception ex)
                {
                    thrown = ex;
                    throw;
                }
            },
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Eom, Cmd.Abort, Cmd.Mail());

        Assert.IsType<InvalidOperationException>(thrown);
        // Only tempfail: the modification made before the failure is dropped too.
        Assert.Equal([C, C, T, C], replies.Skip(1));
    }

    [Fact]
    public async Task A_modification_before_end_of_message_throws_in_the_handler_and_gives_tempfail()
    {
        Exception? thrown = null;
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders, ProtocolOptions.None),
            Observe = (step, ctx) =>
            {
                if (step == "EOH")
                {
                    thrown = Record.Exception(() => ctx.Modifications.AddHeader("X", " y"));
                    throw thrown!;
                }
            },
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Eoh);
        Assert.IsType<InvalidOperationException>(thrown);
        Assert.Equal(T, replies[^1]);
    }

    [Fact]
    public async Task A_failed_end_of_message_leaves_no_modifications_behind_for_the_next_message()
    {
        int messages = 0;
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders, ProtocolOptions.None),
            OnEndOfMessage = ctx =>
            {
                ctx.Modifications.AddHeader($"X-Message-{++messages}", " 1");
                if (messages == 1)
                {
                    throw new InvalidDataException("first fails");
                }
            },
        };
        await using var harness = new SessionHarness(handler);
        await harness.NegotiateAndConnectAsync(Milter.Protocol.Client.MtaProfile.Postfix6);
        await harness.ExchangeAsync(1, Cmd.Mail());
        var first = await harness.Client.EndOfMessageAsync().WaitAsync(SessionHarness.Timeout);
        Assert.Equal(T, first.Final);
        Assert.Empty(first.Modifications);

        await harness.ExchangeAsync(1, Cmd.Abort, Cmd.Mail());
        var second = await harness.Client.EndOfMessageAsync().WaitAsync(SessionHarness.Timeout);
        Assert.Equal(C, second.Final);
        Assert.Equal("X-Message-2", Assert.IsType<AddHeaderReply>(Assert.Single(second.Modifications)).Name);
    }

    /// <summary>
    /// A handler's own timeout (a DNS or HTTP call giving up throws TaskCanceledException) is a handler failure
    /// like any other: tempfail, and the session goes on. It is not the session being cancelled.
    /// </summary>
    [Theory]
    [InlineData("HELO")]
    [InlineData("EOH")]
    [InlineData("EOM")]
    public async Task A_handler_timeout_of_its_own_is_answered_tempfail_and_the_session_continues(string failing)
    {
        bool failed = false;
        var handler = new RecordingHandler
        {
            Decide = (step, _) =>
            {
                if (step == failing && !failed)
                {
                    failed = true;
                    throw new TaskCanceledException("key lookup timed out");
                }

                return null;
            },
        };
        await using var harness = new SessionHarness(handler);
        // After a tempfail inside a message the MTA aborts it and goes on with the next.
        var (script, expected) = failing switch
        {
            "HELO" => ((Milter.Protocol.Commands.MilterCommand[])[Cmd.Connect, Cmd.Helo, Cmd.Mail(), Cmd.Eoh, Cmd.Eom], "ctccc"),
            "EOH" => ([Cmd.Connect, Cmd.Helo, Cmd.Mail(), Cmd.Eoh, Cmd.Abort, Cmd.Mail()], "ccctc"),
            _ => ([Cmd.Connect, Cmd.Helo, Cmd.Mail(), Cmd.Eoh, Cmd.Eom, Cmd.Abort, Cmd.Mail()], "cccctc"),
        };
        var replies = await harness.RunScriptAsync([Cmd.Optneg6, .. script]);

        Assert.Equal(expected, new string([.. replies.Skip(1).Select(r => (char)r.Code)]));
        Assert.Contains(harness.Logs.Entries, e => e.EventId.Id == 120 && e.Exception is TaskCanceledException);
        Assert.DoesNotContain(harness.Logs.Entries, e => e.EventId.Id == 112);
    }

    /// <summary>
    /// The same from AbortAsync when the MTA goes away: RunAsync must not throw (MilterServer awaits every session
    /// task on shutdown), and CloseAsync is still owed.
    /// </summary>
    [Fact]
    public async Task An_abort_handler_timeout_of_its_own_at_EOF_does_not_escape_and_close_still_runs()
    {
        var handler = new RecordingHandler
        {
            Observe = (step, _) =>
            {
                if (step == "ABORT")
                {
                    throw new TaskCanceledException("cleanup timed out");
                }
            },
        };
        await using var harness = new SessionHarness(handler);
        await harness.SendAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail());
        await harness.CloseInputAsync();
        var ex = await Record.ExceptionAsync(() => harness.WaitForEndAsync());
        Assert.Null(ex);
        Assert.Equal(["CONNECT", "MAIL", "ABORT", "CLOSE"], harness.Handler.Calls);
        Assert.Contains(harness.Logs.Entries, e => e.EventId.Id == 101);
    }

    [Fact]
    public async Task An_abort_handler_timeout_of_its_own_at_ABORT_does_not_end_the_session()
    {
        bool failed = false;
        var handler = new RecordingHandler
        {
            Observe = (step, _) =>
            {
                if (step == "ABORT" && !failed)
                {
                    failed = true;
                    throw new TaskCanceledException("cleanup timed out");
                }
            },
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Abort, Cmd.Mail());
        Assert.Equal("ccc", new string([.. replies.Skip(1).Select(r => (char)r.Code)]));
        Assert.DoesNotContain(harness.Logs.Entries, e => e.EventId.Id == 112);
    }
}
