using System.IO.Pipelines;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Client;

/// <summary>The MTA side behaves like Postfix: steps left out by version or by the milter, no wait for no-reply steps.</summary>
public class MilterClientTests
{
    private static readonly SimpleReply C = SimpleReply.Continue;

    [Theory]
    [InlineData(2u, false, false)]
    [InlineData(3u, true, false)]
    [InlineData(4u, true, true)]
    [InlineData(6u, true, true)]
    public async Task DATA_and_UNKNOWN_are_sent_only_from_the_versions_that_have_them(uint version, bool unknownSent, bool dataSent)
    {
        await using var harness = new SessionHarness();
        var profile = version switch { 2 => MtaProfile.Postfix2, 3 => MtaProfile.Postfix3, 4 => MtaProfile.Postfix4, _ => MtaProfile.Postfix6 };
        await harness.NegotiateAndConnectAsync(profile);
        Assert.Equal(C, await harness.Client.UnknownAsync("XFOO").WaitAsync(SessionHarness.Timeout));
        Assert.Equal(C, await harness.Client.MailAsync(["<a@example.org>"]).WaitAsync(SessionHarness.Timeout));
        Assert.Equal(C, await harness.Client.DataAsync().WaitAsync(SessionHarness.Timeout));
        Assert.Empty(await harness.FinishAsync());
        Assert.Equal(unknownSent, harness.Handler.Calls.Contains("UNKNOWN"));
        Assert.Equal(dataSent, harness.Handler.Calls.Contains("DATA"));
    }

    [Fact]
    public async Task Steps_the_milter_declined_are_not_sent()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.None, ProtocolOptions.NoHelo | ProtocolOptions.NoHeaders | ProtocolOptions.NoBody),
        };
        await using var harness = new SessionHarness(handler);
        await harness.NegotiateAndConnectAsync(MtaProfile.Postfix6);
        await harness.Client.HeloAsync("localhost").WaitAsync(SessionHarness.Timeout);
        await harness.Client.MailAsync(["<a@example.org>"]).WaitAsync(SessionHarness.Timeout);
        var result = await harness.Client.SendContentAsync(Ascii("Subject: x\r\n\r\nbody\r\n")).WaitAsync(SessionHarness.Timeout);
        Assert.Equal(C, result.Final);
        Assert.Equal(["CONNECT", "MAIL", "EOH", "EOM"], harness.Handler.Calls);
    }

    [Fact]
    public async Task No_reply_steps_are_not_waited_for()
    {
        var handler = new RecordingHandler { Wanted = new MilterNegotiation(MilterActions.None, ProtocolOptions.NoReplyHeader | ProtocolOptions.NoReplyBody) };
        await using var harness = new SessionHarness(handler);
        await harness.NegotiateAndConnectAsync(MtaProfile.Postfix6);
        await harness.Client.MailAsync(["<a@example.org>"]).WaitAsync(SessionHarness.Timeout);
        var result = await harness.Client.SendContentAsync(Ascii("A: 1\r\nB: 2\r\n\r\n" + new string('x', 70000))).WaitAsync(SessionHarness.Timeout);
        Assert.Equal(C, result.Final);
        Assert.Empty(await harness.FinishAsync());
        Assert.Equal(2, harness.Handler.BodyChunks.Count);
    }

    [Fact]
    public async Task The_body_goes_in_65535_byte_chunks_and_stops_at_SKIP()
    {
        var handler = new RecordingHandler
        {
            Wanted = new MilterNegotiation(MilterActions.None, ProtocolOptions.Skip),
            Decide = (step, _) => step == "BODY" ? MilterDecision.Skip : null,
        };
        await using var harness = new SessionHarness(handler);
        await harness.NegotiateAndConnectAsync(MtaProfile.Postfix6);
        await harness.Client.MailAsync(["<a@example.org>"]).WaitAsync(SessionHarness.Timeout);
        Assert.Equal(C, await harness.Client.BodyAsync(new byte[3 * 65535]).WaitAsync(SessionHarness.Timeout));
        Assert.Equal(65535, Assert.Single(harness.Handler.BodyChunks).Length);
    }

    [Fact]
    public async Task Content_stops_at_the_first_rejection()
    {
        var handler = new RecordingHandler { Decide = (step, _) => step == "HEADER" ? MilterDecision.Reject : null };
        await using var harness = new SessionHarness(handler);
        await harness.NegotiateAndConnectAsync(MtaProfile.Postfix6);
        await harness.Client.MailAsync(["<a@example.org>"]).WaitAsync(SessionHarness.Timeout);
        var result = await harness.Client.SendContentAsync(Ascii("A: 1\r\nB: 2\r\n\r\nbody")).WaitAsync(SessionHarness.Timeout);
        Assert.Equal((SimpleReply.Reject, "HEADER"), (result.Final, result.DecidedAt));
        Assert.Single(harness.Handler.Headers);
    }

    [Fact]
    public async Task Progress_is_skipped_and_a_modification_outside_end_of_message_is_refused()
    {
        var toClient = new Pipe();
        var fromClient = new Pipe();
        await using var client = new MilterClient(new DuplexStream(toClient.Reader.AsStream(), fromClient.Writer.AsStream()));
        await toClient.Writer.WriteAsync(Packets.Encode(
            new NegotiationReply(6, MilterActions.None, ProtocolOptions.None, new Dictionary<MacroStage, string>()),
            SimpleReply.Progress, SimpleReply.Progress, SimpleReply.Accept,
            new AddHeaderReply("X", Ascii("y"))));

        await client.NegotiateAsync(MtaProfile.Postfix6);
        Assert.Equal(SimpleReply.Accept, await client.ConnectAsync("h", ConnectionFamily.Inet, 1, "192.0.2.1").WaitAsync(SessionHarness.Timeout));
        var ex = await Assert.ThrowsAsync<MilterProtocolException>(() => client.HeloAsync("h").WaitAsync(SessionHarness.Timeout));
        Assert.Equal(ProtocolError.UnexpectedReply, ex.Error);

        // What the client sent: OPTNEG, CONNECT, HELO.
        await client.DisposeAsync();
        var sent = await fromClient.Reader.ReadAsync();
        Assert.Equal("OCH", new string([.. Packets.Split(sent.Buffer).Select(p => (char)p.Code)]));
    }

    [Fact]
    public async Task Macros_travel_in_the_same_write_as_their_command()
    {
        var toClient = new Pipe();
        var wire = new RecordingStream(new Pipe().Writer);
        await using var client = new MilterClient(new DuplexStream(toClient.Reader.AsStream(), wire));
        await toClient.Writer.WriteAsync(Packets.Encode(
            new NegotiationReply(6, MilterActions.None, ProtocolOptions.None, new Dictionary<MacroStage, string>()), SimpleReply.Continue));
        await client.NegotiateAsync(MtaProfile.Postfix6);
        await client.ConnectAsync("localhost", ConnectionFamily.Inet, 34522, "127.0.0.1", Packets.MacroList(("j", "mx"))).WaitAsync(SessionHarness.Timeout);
        Assert.Equal(2, wire.Writes.Count);
        Assert.Equal(Concat(Packets.Encode(Cmd.ConnectMacros(("j", "mx"))), Packets.Encode(Cmd.Connect)), wire.Writes[1]);
    }

    [Fact]
    public async Task WaitForClose_tells_a_closed_milter_from_a_silent_one()
    {
        await using var harness = new SessionHarness();
        await harness.ExchangeAsync(1, Cmd.Optneg6);
        Assert.False(await harness.Client.WaitForCloseAsync(TimeSpan.FromMilliseconds(50)));
        await harness.SendRawAsync(Hex("00 00 00 00"));
        Assert.True(await harness.Client.WaitForCloseAsync(SessionHarness.Timeout));
    }
}
