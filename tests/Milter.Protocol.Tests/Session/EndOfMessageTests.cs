using System.Text;
using Milter.Protocol.Client;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Session;

/// <summary>
/// End of message: modifications in call order, then one final reply, all in ONE write to the socket (several
/// small writes meet Nagle and delayed ACK). Write boundaries are recorded by the stream under the session's
/// <see cref="System.IO.Pipelines.PipeWriter"/>, wired exactly as <see cref="Milter.Protocol.Server.MilterServer"/> wires a socket.
/// </summary>
public class EndOfMessageTests
{
    private const MilterActions AllActions = (MilterActions)0xFF;

    /// <summary>A DKIM-Signature as OpenDKIM inserts it (rsa-sha256, 2048-bit key, folded).</summary>
    private static readonly string Signature =
        " v=1; a=rsa-sha256; c=relaxed/simple; d=example.org; s=mail; t=1700000000;\r\n\tbh=" + new string('B', 44) +
        ";\r\n\th=From:To:Subject:Date:Message-ID;\r\n\tb=" + string.Join("\r\n\t ", Enumerable.Repeat(new string('s', 70), 5)) + new string('s', 44);

    private static async Task<SessionHarness> InMessageAsync(RecordingHandler handler, MtaProfile? profile = null)
    {
        var harness = new SessionHarness(handler);
        await harness.NegotiateAndConnectAsync(profile ?? MtaProfile.Postfix6);
        await harness.ExchangeAsync(5, Cmd.Mail(), Cmd.Rcpt(), Cmd.Header("Subject", "x"), Cmd.Eoh, Cmd.Body("body\r\n"));
        return harness;
    }

    [Fact]
    public async Task A_signature_and_the_final_reply_leave_in_one_write()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders, ProtocolOptions.HeaderLeadingSpace),
            OnEndOfMessage = ctx => ctx.Modifications.InsertHeader(0, "DKIM-Signature", Signature),
        };
        await using var harness = await InMessageAsync(handler);
        int writesBefore = harness.Output.Writes.Count;
        int flushesBefore = harness.Output.Flushes;

        var result = await harness.Client.EndOfMessageAsync().WaitAsync(SessionHarness.Timeout);

        Assert.Equal(SimpleReply.Continue, result.Final);
        var insert = Assert.IsType<InsertHeaderReply>(Assert.Single(result.Modifications));
        Assert.Equal(Ascii(Signature.Replace("\r\n", "\n", StringComparison.Ordinal)), insert.Value.ToArray());
        var write = Assert.Single(harness.Output.Writes.Skip(writesBefore));
        Assert.Equal([(byte)'i', (byte)'c'], Packets.Split(write).Select(p => p.Code));
        Assert.Equal(1, harness.Output.Flushes - flushesBefore);
    }

    [Fact]
    public async Task Every_kind_of_modification_and_the_final_reply_leave_in_one_write_in_call_order()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(AllActions, ProtocolOptions.None),
            OnEndOfMessage = ctx =>
            {
                var m = ctx.Modifications;
                m.AddHeader("X-A", " 1");
                m.InsertHeader(0, "X-I", " 2");
                m.ChangeHeader(1, "Subject", " new");
                m.DeleteHeader(2, "Received");
                m.AddRecipient("<c@example.org>");
                m.AddRecipient("<d@example.org>", "NOTIFY=NEVER");
                m.DeleteRecipient("<b@example.org>");
                m.ChangeFrom("<s@example.org>", "SIZE=10");
                m.ReplaceBody("new\r\n"u8);
                m.Quarantine("held");
            },
        };
        await using var harness = await InMessageAsync(handler);
        int writesBefore = harness.Output.Writes.Count;

        var result = await harness.Client.EndOfMessageAsync().WaitAsync(SessionHarness.Timeout);

        Assert.Equal("himm+2-ebq", new string([.. result.Modifications.Select(r => (char)r.Code)]));
        Assert.Equal(SimpleReply.Continue, result.Final);
        var write = Assert.Single(harness.Output.Writes.Skip(writesBefore));
        Assert.Equal("himm+2-ebqc", Encoding.ASCII.GetString([.. Packets.Split(write).Select(p => p.Code)]));
    }

    [Fact]
    public async Task More_than_4_KiB_of_modifications_still_leave_in_one_write()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders, ProtocolOptions.None),
            OnEndOfMessage = ctx =>
            {
                for (int i = 0; i < 3; i++)
                {
                    ctx.Modifications.AddHeader($"X-Big-{i}", " " + new string((char)('a' + i), 2000));
                }
            },
        };
        await using var harness = await InMessageAsync(handler);
        int writesBefore = harness.Output.Writes.Count;

        var result = await harness.Client.EndOfMessageAsync().WaitAsync(SessionHarness.Timeout);

        Assert.Equal(3, result.Modifications.Count);
        var writes = harness.Output.Writes.Skip(writesBefore).ToList();
        Assert.True(writes.Count == 1,
            $"end of message went out in {writes.Count} writes of {string.Join(", ", writes.Select(w => w.Length))} bytes");
    }

    [Fact]
    public async Task A_replaced_body_larger_than_one_chunk_leaves_in_one_write()
    {
        byte[] body = Repeat((byte)'x', 100_000);
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.ChangeBody, ProtocolOptions.None),
            OnEndOfMessage = ctx => ctx.Modifications.ReplaceBody(body),
        };
        await using var harness = await InMessageAsync(handler);
        int writesBefore = harness.Output.Writes.Count;

        var result = await harness.Client.EndOfMessageAsync().WaitAsync(SessionHarness.Timeout);

        Assert.Equal(body, result.Modifications.Cast<ReplaceBodyReply>().SelectMany(b => b.Chunk.ToArray()));
        var writes = harness.Output.Writes.Skip(writesBefore).ToList();
        Assert.True(writes.Count == 1,
            $"end of message went out in {writes.Count} writes of {string.Join(", ", writes.Select(w => w.Length))} bytes");
    }

    [Fact]
    public async Task Each_ordinary_step_reply_is_one_write()
    {
        await using var harness = new SessionHarness();
        await harness.NegotiateAndConnectAsync(MtaProfile.Postfix6);
        // OPTNEG reply, CONNECT reply.
        Assert.Equal(2, harness.Output.Writes.Count);
        await harness.ExchangeAsync(1, Cmd.Macros(CommandCode.Mail, ("i", "Q")), Cmd.Mail());
        Assert.Equal(3, harness.Output.Writes.Count);
        Assert.Equal(Hex("00 00 00 01 63"), harness.Output.Writes[2]);
    }

    [Theory]
    [InlineData("Reject", 'r')]
    [InlineData("TempFail", 't')]
    [InlineData("Discard", 'd')]
    [InlineData("Shutdown", '4')]
    [InlineData("ReplyCode", 'y')]
    public async Task Modifications_are_dropped_when_the_message_is_not_kept(string decision, char code)
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(AllActions, ProtocolOptions.None),
            OnEndOfMessage = ctx =>
            {
                ctx.Modifications.AddHeader("X-A", " 1");
                ctx.Modifications.Quarantine("why");
            },
            Decide = (step, _) => step != "EOM" ? null : decision switch
            {
                "Reject" => MilterDecision.Reject,
                "TempFail" => MilterDecision.TempFail,
                "Discard" => MilterDecision.Discard,
                "Shutdown" => MilterDecision.Shutdown,
                _ => MilterDecision.WithReply(SmtpReply.Create(550, "5.7.1", "bad signature")),
            },
        };
        await using var harness = await InMessageAsync(handler);
        var result = await harness.Client.EndOfMessageAsync().WaitAsync(SessionHarness.Timeout);
        Assert.Empty(result.Modifications);
        Assert.Equal((byte)code, result.Final.Code);
        Assert.Empty(await harness.FinishAsync());
    }

    [Fact]
    public async Task Modifications_are_kept_with_accept()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders, ProtocolOptions.None),
            OnEndOfMessage = ctx => ctx.Modifications.AddHeader("X-A", " 1"),
            Decide = (step, _) => step == "EOM" ? MilterDecision.Accept : null,
        };
        await using var harness = await InMessageAsync(handler);
        var result = await harness.Client.EndOfMessageAsync().WaitAsync(SessionHarness.Timeout);
        Assert.Equal(SimpleReply.Accept, result.Final);
        var added = Assert.IsType<AddHeaderReply>(Assert.Single(result.Modifications));
        Assert.Equal("X-A", added.Name);
        Assert.Equal(Ascii("1"), added.Value.ToArray());
    }

    [Fact]
    public async Task Skip_at_end_of_message_is_continue()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.None, ProtocolOptions.Skip),
            Decide = (_, _) => MilterDecision.Skip,
        };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Eom);
        Assert.Equal(SimpleReply.Continue, replies[^1]);
    }

    [Fact]
    public async Task Progress_during_end_of_message_precedes_the_modifications()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.AddHeaders, ProtocolOptions.None),
            DuringStep = async (step, ctx) =>
            {
                if (step == "EOM")
                {
                    await ctx.SendProgressAsync();
                    await ctx.SendProgressAsync();
                }
            },
            OnEndOfMessage = ctx => ctx.Modifications.AddHeader("X-A", " 1"),
        };
        await using var harness = await InMessageAsync(handler);
        var result = await harness.Client.EndOfMessageAsync().WaitAsync(SessionHarness.Timeout);
        Assert.Equal(2, result.ProgressReplies);
        Assert.Single(result.Modifications);
        Assert.Equal(SimpleReply.Continue, result.Final);
    }

    [Fact]
    public async Task Data_in_BODYEOB_is_handed_to_the_body_step_first()
    {
        await using var harness = new SessionHarness();
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(),
            new Milter.Protocol.Commands.EndOfMessageCommand(new System.Buffers.ReadOnlySequence<byte>(Ascii("last\r\n"))));
        Assert.Equal(SimpleReply.Continue, replies[^1]);
        Assert.Equal(3 + 1, replies.Count);
        Assert.Equal(["CONNECT", "MAIL", "BODY", "EOM", "CLOSE"], harness.Handler.Calls);
        Assert.Equal(Ascii("last\r\n"), harness.Handler.BodyChunks.Single());
    }

    [Fact]
    public async Task A_rejection_of_the_BODYEOB_data_is_the_final_reply()
    {
        var handler = new RecordingHandler { Decide = (step, _) => step == "BODY" ? MilterDecision.Reject : null };
        await using var harness = new SessionHarness(handler);
        var replies = await harness.RunScriptAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(),
            new Milter.Protocol.Commands.EndOfMessageCommand(new System.Buffers.ReadOnlySequence<byte>(Ascii("x"))), Cmd.Abort, Cmd.Mail());
        Assert.Equal([SimpleReply.Continue, SimpleReply.Continue, SimpleReply.Reject, SimpleReply.Continue], replies.Skip(1));
        // The refused message still ends for the handler (ABORT), before the next one starts.
        Assert.Equal(["CONNECT", "MAIL", "BODY", "ABORT", "MAIL", "ABORT", "CLOSE"], harness.Handler.Calls);
    }
}
