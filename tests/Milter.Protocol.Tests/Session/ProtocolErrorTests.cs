using Microsoft.Extensions.Logging;
using Milter.Protocol.Tests.TestSupport;

namespace Milter.Protocol.Tests.Session;

/// <summary>
/// Every protocol error ends the session by itself (no EOF needed from the MTA), after answering what came
/// before normally, with exactly one warning naming the peer and the reason, and with the handler's message
/// aborted and its session closed. That other sessions survive is shown in Server/ServerIsolationTests.
/// </summary>
public class ProtocolErrorTests
{
    public static TheoryData<string> Names => ProtocolErrorCases.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Ends_the_session_with_one_warning_naming_peer_and_reason(string name)
    {
        var error = ProtocolErrorCases.All[name];
        await using var harness = new SessionHarness();

        // Like Postfix: each valid command waits for its reply.
        if (error.Before.Length > 0)
        {
            await harness.SendAsync(error.Before);
            for (int i = 0; i < error.RepliesBefore; i++)
            {
                await harness.ReadReplyAsync();
            }
        }

        await harness.SendRawAsync(error.Offending);
        if (error.ThenEof)
        {
            await harness.CloseInputAsync();
        }

        await harness.WaitForEndAsync();
        Assert.Empty(await harness.ReadRemainingAsync());

        var warning = Assert.Single(harness.Logs.Warnings);
        Assert.Equal(110, warning.EventId.Id);
        Assert.Equal(error.Error, warning["Error"]);
        Assert.Contains(SessionHarness.Peer, warning.Message, StringComparison.Ordinal);
        Assert.Contains(error.Error.ToString(), warning.Message, StringComparison.Ordinal);
        Assert.Contains(error.ReasonFragment, warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(harness.Logs.Entries, e => e.Level >= LogLevel.Error);

        Assert.Equal(error.HandlerSawSession ? 1 : 0, harness.Handler.Count("CLOSE"));
        Assert.Equal(error.MessageOpen ? 1 : 0, harness.Handler.Count("ABORT"));
    }

    [Fact]
    public async Task The_offending_packet_never_reaches_the_handler()
    {
        await using var harness = new SessionHarness();
        await harness.SendAsync(Cmd.Optneg6, Cmd.Connect);
        await harness.ReadReplyAsync();
        await harness.ReadReplyAsync();
        await harness.SendAsync(Cmd.Connect);
        await harness.WaitForEndAsync();
        Assert.Single(harness.Handler.Connects);
        Assert.Equal(["CONNECT", "CLOSE"], harness.Handler.Calls);
    }

    [Fact]
    public async Task A_smaller_configured_cap_is_enforced_and_the_cap_itself_accepted()
    {
        var options = new Milter.Protocol.Server.MilterSessionOptions { MaxPacketLength = 100 };
        await using var harness = new SessionHarness(options: options);
        await harness.SendAsync(Cmd.Optneg6, Cmd.Connect, Cmd.Mail(), Cmd.Rcpt(), Cmd.Data, Cmd.Eoh);
        Assert.Equal(6, (await ReadAsync(harness, 6)).Count);

        // Length field 100 = command byte + 99 data bytes: accepted.
        await harness.SendAsync(Cmd.Body(new byte[99]));
        Assert.Equal(Milter.Protocol.Wire.ReplyCode.Continue, (await harness.ReadReplyAsync()).Code);
        Assert.Equal(99, harness.Handler.BodyChunks.Single().Length);

        // 101: refused at once.
        await harness.SendRawAsync(Bytes.Hex("00 00 00 65 42"));
        await harness.WaitForEndAsync();
        Assert.Equal(ProtocolError.PacketTooLarge, Assert.Single(harness.Logs.Warnings)["Error"]);
    }

    private static async Task<List<Milter.Protocol.Replies.MilterReply>> ReadAsync(SessionHarness harness, int count)
    {
        var replies = new List<Milter.Protocol.Replies.MilterReply>();
        for (int i = 0; i < count; i++)
        {
            replies.Add(await harness.ReadReplyAsync());
        }

        return replies;
    }
}
