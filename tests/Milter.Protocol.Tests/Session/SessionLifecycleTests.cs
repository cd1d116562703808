using Microsoft.Extensions.Logging;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Server;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Tests.Session;

/// <summary>ABORT, QUIT, QUIT_NC, EOF and several messages per connection, as Postfix drives them.</summary>
public class SessionLifecycleTests
{
    private static readonly SimpleReply C = SimpleReply.Continue;

    [Fact]
    public async Task ABORT_keeps_connection_data_and_resets_the_message()
    {
        var snapshots = new List<(ConnectCommand? Connection, string? Helo, string? J, string? DaemonName, string? Tls)>();
        var handler = new RecordingHandler
        {
            Observe = (step, ctx) =>
            {
                if (step is "ABORT" or "MAIL")
                {
                    snapshots.Add((ctx.Connection, ctx.HeloName, ctx.Macros.Get("j"), ctx.Macros.Get("{daemon_name}"), ctx.Macros.Get("tls_version")));
                }
            },
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(
            Cmd.Optneg6,
            Cmd.ConnectMacros(("j", "mx.example"), ("{daemon_name}", "smtpd")), Cmd.Connect,
            Cmd.Macros(CommandCode.Helo, ("{tls_version}", "TLSv1.3")), Cmd.Helo,
            Cmd.Macros(CommandCode.Mail, ("{mail_addr}", "a@example.org")), Cmd.Mail(), Cmd.Rcpt(), Cmd.Data, Cmd.Header("Subject", "x"),
            Cmd.Abort,
            Cmd.Mail("<second@example.org>"), Cmd.Rcpt(), Cmd.Eom);

        // O, then CONNECT HELO MAIL RCPT DATA HEADER, nothing for ABORT, then MAIL RCPT EOM.
        Assert.Equal(10, replies.Count);
        Assert.All(replies.Skip(1), r => Assert.Equal(C, r));
        Assert.Empty(harness.Logs.Warnings);
        Assert.Equal(1, harness.Handler.Count("ABORT"));
        // MAIL, ABORT, MAIL: the connection's data is the same each time.
        Assert.Equal(3, snapshots.Count);
        Assert.All(snapshots, s =>
        {
            Assert.Equal(Cmd.Connect, s.Connection);
            Assert.Equal("localhost", s.Helo);
            Assert.Equal("mx.example", s.J);
            Assert.Equal("smtpd", s.DaemonName);
            Assert.Equal("TLSv1.3", s.Tls);
        });
    }

    [Theory]
    [InlineData('L')]
    [InlineData('N')]
    [InlineData('B')]
    [InlineData('E')]
    [InlineData('R')]
    public async Task After_ABORT_content_without_a_new_MAIL_is_out_of_phase(char command)
    {
        await using var harness = new SessionHarness();
        MilterCommand offending = command switch
        {
            'L' => Cmd.Header("X", "y"),
            'N' => Cmd.Eoh,
            'B' => Cmd.Body("x"),
            'E' => Cmd.Eom,
            _ => Cmd.Rcpt(),
        };
        await harness.SendAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Rcpt(), Cmd.Abort, offending);
        await harness.WaitForEndAsync();
        Assert.Equal(4, (await harness.ReadRemainingAsync()).Count);
        Assert.Equal(ProtocolError.OutOfPhase, Assert.Single(harness.Logs.Warnings)["Error"]);
    }

    [Fact]
    public async Task Repeated_ABORTs_are_tolerated_anywhere_after_negotiation()
    {
        await using var harness = new SessionHarness();
        await harness.SendAsync(
            Cmd.Optneg6, Cmd.Abort, Cmd.Connect, Cmd.Abort, Cmd.Abort, Cmd.Helo, Cmd.Abort,
            Cmd.Mail(), Cmd.Rcpt(), Cmd.Abort, Cmd.Abort, Cmd.Abort,
            Cmd.Mail(), Cmd.Rcpt(), Cmd.Eom, Cmd.Abort, Cmd.Abort, Cmd.Quit);
        await harness.WaitForEndAsync();
        var replies = await harness.ReadRemainingAsync();

        Assert.Equal(8, replies.Count);
        Assert.Empty(harness.Logs.Warnings);
        Assert.Equal(["CONNECT", "HELO", "MAIL", "RCPT", "ABORT", "MAIL", "RCPT", "EOM", "CLOSE"], harness.Handler.Calls);
    }

    [Fact]
    public async Task Abort_is_called_once_per_abandoned_message_and_never_after_end_of_message()
    {
        var handler = new RecordingHandler();
        handler.Decide = (step, _) => step == "MAIL" && handler.Senders.Last()[0] == "<reject@example.org>" ? MilterDecision.Reject : null;
        await using var harness = new SessionHarness(handler);
        await harness.SendAsync(
            Cmd.Optneg6, Cmd.Connect,
            // 1: complete, then Postfix's ABORT after the transaction.
            Cmd.Mail(), Cmd.Rcpt(), Cmd.Data, Cmd.Header("S", "x"), Cmd.Eoh, Cmd.Body("b"), Cmd.Eom, Cmd.Abort,
            // 2: abandoned by ABORT (twice).
            Cmd.Mail(), Cmd.Rcpt(), Cmd.Abort, Cmd.Abort,
            // 3: rejected at MAIL and abandoned by the next MAIL.
            Cmd.Mail("<reject@example.org>"),
            // 4: complete.
            Cmd.Mail(), Cmd.Rcpt(), Cmd.Eom, Cmd.Abort,
            // 5: abandoned by QUIT.
            Cmd.Mail(), Cmd.Rcpt(), Cmd.Header("S", "x"), Cmd.Quit);
        await harness.WaitForEndAsync();
        var replies = await harness.ReadRemainingAsync();

        Assert.Equal(
        [
            "CONNECT",
            "MAIL", "RCPT", "DATA", "HEADER", "EOH", "BODY", "EOM",
            "MAIL", "RCPT", "ABORT",
            "MAIL", "ABORT",
            "MAIL", "RCPT", "EOM",
            "MAIL", "RCPT", "HEADER", "ABORT",
            "CLOSE",
        ], harness.Handler.Calls);
        Assert.Equal(2 + 7 + 2 + 1 + 3 + 3, replies.Count);
        Assert.Equal(SimpleReply.Reject, replies[2 + 7 + 2]);
        Assert.Empty(harness.Logs.Warnings);
    }

    [Fact]
    public async Task Three_messages_on_one_connection()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders, ProtocolOptions.None),
            OnEndOfMessage = ctx => ctx.Modifications.AddHeader("X-Count", $" {ctx.Macros.Get("i")}"),
        };
        await using var harness = new SessionHarness(handler);
        await harness.NegotiateAndConnectAsync(Milter.Protocol.Client.MtaProfile.Postfix6);
        var client = harness.Client;
        for (int n = 1; n <= 3; n++)
        {
            Assert.Equal(C, await client.MailAsync([$"<s{n}@example.org>"]).WaitAsync(SessionHarness.Timeout));
            Assert.Equal(C, await client.RecipientAsync(["<r@example.org>"]).WaitAsync(SessionHarness.Timeout));
            Assert.Equal(C, await client.DataAsync().WaitAsync(SessionHarness.Timeout));
            var result = await client.SendContentAsync(System.Text.Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody {n}\r\n"), queueId: $"Q{n}")
                .WaitAsync(SessionHarness.Timeout);
            Assert.Equal(C, result.Final);
            var added = Assert.IsType<AddHeaderReply>(Assert.Single(result.Modifications));
            Assert.Equal($"Q{n}", System.Text.Encoding.ASCII.GetString(added.Value.Span));
            await client.AbortAsync();
        }

        await client.AbortAsync();
        await client.QuitAsync();
        await harness.WaitForEndAsync();

        Assert.Equal(3, harness.Handler.Count("EOM"));
        Assert.Equal(0, harness.Handler.Count("ABORT"));
        Assert.Equal(1, harness.Handler.Count("CLOSE"));
        Assert.Equal(["<s1@example.org>", "<s2@example.org>", "<s3@example.org>"], harness.Handler.Senders.Select(s => s[0]));
        Assert.Equal(["body 1\r\n", "body 2\r\n", "body 3\r\n"], harness.Handler.BodyChunks.Select(b => System.Text.Encoding.ASCII.GetString(b)));
        Assert.Empty(harness.Logs.Warnings);
    }

    [Fact]
    public async Task QUIT_NC_then_a_new_CONNECT_on_the_same_socket_starts_a_fresh_SMTP_session()
    {
        var seen = new List<string>();
        var handler = new RecordingHandler
        {
            Observe = (step, ctx) =>
            {
                if (step is "CONNECT" or "CLOSE" or "HELO")
                {
                    seen.Add($"{step} host={ctx.Connection?.Hostname} helo={ctx.HeloName} j={ctx.Macros.Get("j")} tls={ctx.Macros.Get("tls_version")}");
                }
            },
        };
        await using var harness = new SessionHarness(handler);
        await harness.SendAsync(
        [
            Cmd.Optneg6,
            Cmd.ConnectMacros(("j", "one")), Cmd.ConnectFrom("first.example"),
            Cmd.Macros(CommandCode.Helo, ("{tls_version}", "TLSv1.3")), new HeloCommand("first"),
            .. Cmd.Message(),
            Cmd.Abort, Cmd.QuitNc,
            // No new OPTNEG.
            Cmd.ConnectMacros(("j", "two")), Cmd.ConnectFrom("second.example"),
            new HeloCommand("second"),
            .. Cmd.Message(),
            Cmd.Quit,
        ]);
        await harness.WaitForEndAsync();
        var replies = await harness.ReadRemainingAsync();

        Assert.IsType<NegotiationReply>(replies[0]);
        Assert.Equal(1 + 9 + 9, replies.Count);
        Assert.All(replies.Skip(1), r => Assert.Equal(C, r));
        Assert.Equal(
        [
            "CONNECT host=first.example helo= j=one tls=",
            "HELO host=first.example helo=first j=one tls=TLSv1.3",
            "CLOSE host=first.example helo=first j=one tls=TLSv1.3",
            "CONNECT host=second.example helo= j=two tls=",
            "HELO host=second.example helo=second j=two tls=",
            "CLOSE host=second.example helo=second j=two tls=",
        ], seen);
        Assert.Equal(2, harness.Handler.Count("EOM"));
        Assert.Empty(harness.Logs.Warnings);
    }

    [Fact]
    public async Task QUIT_NC_inside_a_message_aborts_it_then_closes()
    {
        await using var harness = new SessionHarness();
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Rcpt(), Cmd.QuitNc, Cmd.Connect, Cmd.Mail());
        Assert.Equal(6, replies.Count);
        Assert.Equal(["CONNECT", "MAIL", "RCPT", "ABORT", "CLOSE", "CONNECT", "MAIL", "ABORT", "CLOSE"], harness.Handler.Calls);
    }

    /// <summary>A whole connection; the EOF test cuts it after every packet.</summary>
    private static readonly MilterCommand[] Conversation =
    [
        Cmd.Optneg6, Cmd.ConnectMacros(("j", "mx")), Cmd.Connect, Cmd.Helo,
        Cmd.Mail(), Cmd.Rcpt(), Cmd.Data, Cmd.Header("Subject", "x"), Cmd.Header("From", "y"), Cmd.Eoh, Cmd.Body("a"), Cmd.Body("b"), Cmd.Eom,
        Cmd.Abort,
        Cmd.Mail(), Cmd.Rcpt(), Cmd.Unknown(), Cmd.Data, Cmd.Header("Subject", "x"), Cmd.Abort, Cmd.Abort,
        Cmd.Mail(),
        Cmd.QuitNc,
        Cmd.ConnectMacros(("j", "two")), Cmd.Connect, Cmd.Mail(), Cmd.Rcpt(),
        Cmd.QuitNc,
    ];

    public static TheoryData<int> CutPoints => [.. Enumerable.Range(1, Conversation.Length)];

    [Theory]
    [MemberData(nameof(CutPoints))]
    public async Task EOF_after_any_packet_aborts_an_open_message_and_closes_exactly_once(int packets)
    {
        var prefix = Conversation[..packets];
        // libmilter's rules: each message ends in exactly one EOM or abort; each SMTP session in which the
        // handler saw a step (from CONNECT) ends in exactly one close, at QUIT_NC or at EOF.
        bool messageOpen = false;
        bool sawSession = false;
        int expectedAborts = 0;
        int expectedCloses = 0;
        foreach (var command in prefix)
        {
            switch (command)
            {
                case OptionNegotiationCommand or MacroCommand:
                    break;
                case AbortCommand:
                    expectedAborts += messageOpen ? 1 : 0;
                    messageOpen = false;
                    break;
                case QuitNewConnectionCommand:
                    expectedAborts += messageOpen ? 1 : 0;
                    expectedCloses += sawSession ? 1 : 0;
                    messageOpen = false;
                    sawSession = false;
                    break;
                default:
                    sawSession = true;
                    messageOpen = command switch
                    {
                        MailCommand => true,
                        EndOfMessageCommand => false,
                        _ => messageOpen,
                    };
                    break;
            }
        }

        // EOF.
        expectedAborts += messageOpen ? 1 : 0;
        expectedCloses += sawSession ? 1 : 0;

        await using var harness = new SessionHarness();
        var replies = await harness.RunScriptAsync(prefix);

        Assert.Equal(prefix.Count(c => c is not (MacroCommand or AbortCommand or QuitNewConnectionCommand)), replies.Count);
        Assert.Empty(harness.Logs.Warnings);
        var calls = harness.Handler.Calls;
        Assert.Equal(expectedCloses, harness.Handler.Count("CLOSE"));
        Assert.Equal(expectedAborts, harness.Handler.Count("ABORT"));
        if (expectedCloses > 0)
        {
            Assert.Equal("CLOSE", calls[^1]);
        }

        if (messageOpen)
        {
            Assert.Equal("ABORT", calls[^2]);
        }
    }

    [Fact]
    public async Task QUIT_NC_then_EOF_closes_once()
    {
        await using var harness = new SessionHarness();
        await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.QuitNc);
        Assert.Equal(["CONNECT", "MAIL", "ABORT", "CLOSE"], harness.Handler.Calls);
    }

    [Fact]
    public async Task QUIT_NC_then_QUIT_closes_once()
    {
        await using var harness = new SessionHarness();
        await harness.SendAsync(Cmd.Optneg6, Cmd.Connect, Cmd.QuitNc, Cmd.Quit);
        await harness.WaitForEndAsync();
        Assert.Equal(["CONNECT", "CLOSE"], harness.Handler.Calls);
    }

    [Fact]
    public async Task QUIT_NC_then_a_protocol_error_closes_once()
    {
        await using var harness = new SessionHarness();
        await harness.SendAsync(Cmd.Optneg6, Cmd.Connect, Cmd.QuitNc, Cmd.Body("x"));
        await harness.WaitForEndAsync();
        Assert.Equal(["CONNECT", "CLOSE"], harness.Handler.Calls);
        Assert.Equal(ProtocolError.OutOfPhase, Assert.Single(harness.Logs.Warnings)["Error"]);
    }

    [Fact]
    public async Task QUIT_aborts_an_open_message_then_closes_and_ends_the_session_by_itself()
    {
        await using var harness = new SessionHarness();
        await harness.SendAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Rcpt(), Cmd.Quit);
        await harness.WaitForEndAsync();
        Assert.Equal(["CONNECT", "MAIL", "RCPT", "ABORT", "CLOSE"], harness.Handler.Calls);
        Assert.Contains(harness.Logs.Entries, e => e.EventId.Id == 101 && e.Message.EndsWith("QUIT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nothing_after_QUIT_is_read()
    {
        await using var harness = new SessionHarness();
        await harness.SendAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Quit, Cmd.Helo, Cmd.Mail());
        await harness.WaitForEndAsync();
        Assert.Equal(2, (await harness.ReadRemainingAsync()).Count);
        Assert.Equal(["CONNECT", "CLOSE"], harness.Handler.Calls);
        Assert.Empty(harness.Logs.Warnings);
    }

    [Fact]
    public async Task A_connection_closed_right_after_negotiation_is_quiet()
    {
        await using var harness = new SessionHarness();
        var replies = await harness.RunScriptAsync(Cmd.Optneg6);
        Assert.IsType<NegotiationReply>(Assert.Single(replies));
        Assert.Empty(harness.Handler.Calls);
        Assert.DoesNotContain(harness.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task An_idle_session_is_closed_after_the_idle_timeout()
    {
        var options = new MilterSessionOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) };
        await using var harness = new SessionHarness(options: options);
        await harness.ExchangeAsync(2, Cmd.Optneg6, Cmd.Connect);
        await harness.WaitForEndAsync();
        Assert.Contains(harness.Logs.Entries, e => e.EventId.Id == 112 && e.Message.Contains(SessionHarness.Peer, StringComparison.Ordinal));
        Assert.Equal(["CONNECT", "CLOSE"], harness.Handler.Calls);
    }

    [Fact]
    public async Task Stopping_between_messages_ends_the_session_at_once()
    {
        using var stopping = new CancellationTokenSource();
        await using var harness = new SessionHarness(stopping: stopping.Token);
        await harness.ExchangeAsync(2, Cmd.Optneg6, Cmd.Connect);
        await stopping.CancelAsync();
        await harness.WaitForEndAsync();
        Assert.Equal(["CONNECT", "CLOSE"], harness.Handler.Calls);
        Assert.Contains(harness.Logs.Entries, e => e.EventId.Id == 101 && e.Message.EndsWith("daemon shutting down", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stopping_inside_a_message_lets_it_finish_first()
    {
        using var stopping = new CancellationTokenSource();
        await using var harness = new SessionHarness(stopping: stopping.Token);
        await harness.ExchangeAsync(4, Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Rcpt());
        await stopping.CancelAsync();
        var replies = await harness.ExchangeAsync(4, Cmd.Header("Subject", "x"), Cmd.Eoh, Cmd.Body("x"), Cmd.Eom);
        Assert.All(replies, r => Assert.Equal(C, r));
        await harness.WaitForEndAsync();
        Assert.Equal(["CONNECT", "MAIL", "RCPT", "HEADER", "EOH", "BODY", "EOM", "CLOSE"], harness.Handler.Calls);
    }

    [Fact]
    public async Task Replies_owed_when_the_MTA_half_closes_are_still_delivered()
    {
        // The whole conversation and the EOF are there before the session reads anything: one read.
        var input = new System.IO.Pipelines.Pipe();
        var output = new System.IO.Pipelines.Pipe();
        await input.Writer.WriteAsync(Packets.Encode(Cmd.Optneg6, Cmd.Connect, Cmd.Helo, Cmd.Mail()));
        await input.Writer.CompleteAsync();
        var wire = new RecordingStream(output.Writer);
        var handler = new RecordingHandler();
        var transport = new DuplexPipe(input.Reader,
            System.IO.Pipelines.PipeWriter.Create(wire, new System.IO.Pipelines.StreamPipeWriterOptions(leaveOpen: true)));
        await new MilterSession(transport, handler, 1, SessionHarness.Peer).RunAsync().WaitAsync(SessionHarness.Timeout);

        Assert.Equal("Occc", new string([.. Packets.DecodeReplies(Bytes.Concat([.. wire.Writes])).Select(r => (char)r.Code)]));
        Assert.Equal(["CONNECT", "HELO", "MAIL", "ABORT", "CLOSE"], handler.Calls);
    }
}
