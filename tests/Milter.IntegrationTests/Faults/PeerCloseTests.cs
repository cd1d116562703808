using Milter.Protocol.Commands;
using Xunit.Abstractions;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// The MTA goes away at every point of a signing session: after each command (macros included), inside a
/// packet's length field, inside a payload, and after sending end of message without reading the reply. Each
/// time the daemon logs the end of that session with the reason, stays up, and the next connection is signed.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class PeerCloseTests(SharedDaemonFixture fixture, ITestOutputHelper output) : IClassFixture<SharedDaemonFixture>
{
    private FaultDaemon Daemon => fixture.Daemon;

    public static TheoryData<string, string> CloseAfterStep => new()
    {
        // step the peer stops after, what the session's end line says
        { "OPTNEG", "ended: connection closed by the MTA" },
        { "MACRO for CONNECT", "ended: connection closed by the MTA" },
        { "CONNECT", "ended: connection closed by the MTA" },
        { "MACRO for MAIL", "ended: connection closed by the MTA" },
        { "MAIL", "ended: connection closed by the MTA inside a message (after MAIL)" },
        { "MACRO for RCPT", "ended: connection closed by the MTA inside a message (after MAIL)" },
        { "RCPT", "ended: connection closed by the MTA inside a message (after RCPT)" },
        { "HEADER From", "ended: connection closed by the MTA inside a message (after a header)" },
        { "HEADER Subject", "ended: connection closed by the MTA inside a message (after a header)" },
        { "EOH", "ended: connection closed by the MTA inside a message (after end of headers)" },
        { "BODY", "ended: connection closed by the MTA inside a message (after a body chunk)" },
    };

    [Theory]
    [MemberData(nameof(CloseAfterStep))]
    public async Task A_close_after_a_step_ends_that_session_only(string lastStep, string expectedEnd)
    {
        var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
        await using (peer)
        {
            await SigningConversation.RunThroughAsync(peer.Client, lastStep);
        }

        string end = await Daemon.SessionEndAsync(peer);
        output.WriteLine(string.Join('\n', Daemon.LinesAbout(peer)));

        Assert.Contains(expectedEnd, end, StringComparison.Ordinal);
        await AssertStillSigningAsync();
    }

    public static TheoryData<string> StepsBeforeEndOfMessage =>
        new(SigningConversation.Steps.Select(step => step.Name).TakeWhile(name => !name.StartsWith("BODYEOB", StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(StepsBeforeEndOfMessage))]
    public async Task A_reset_after_a_step_ends_that_session_only(string lastStep)
    {
        // A reset is reported as a lost connection or as a close, depending on when it lands.
        await using var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
        await SigningConversation.RunThroughAsync(peer.Client, lastStep);
        peer.Reset();

        string end = await Daemon.SessionEndAsync(peer);
        output.WriteLine(string.Join('\n', Daemon.LinesAbout(peer)));

        Assert.Matches("ended: (connection closed by the MTA|connection lost: )", end);
        await AssertStillSigningAsync();
    }

    [Fact]
    public async Task A_close_before_the_end_of_message_reply_is_read_ends_that_session_only()
    {
        await using var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
        await SigningConversation.RunThroughAsync(peer.Client, "BODYEOB (reply not read)");
        peer.Reset();

        string end = await Daemon.SessionEndAsync(peer);
        output.WriteLine(string.Join('\n', Daemon.LinesAbout(peer)));

        // Whether the reply reached the socket before the reset decides which; both end this session only.
        Assert.Matches("ended: (connection closed by the MTA|connection lost: )", end);
        await AssertStillSigningAsync();
    }

    [Fact]
    public async Task A_close_inside_a_length_field_is_a_truncated_packet()
    {
        var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
        await using (peer)
        {
            await SigningConversation.RunThroughAsync(peer.Client, "MAIL");
            byte[] recipient = FaultPeer.Packet(new RecipientCommand(["<bob@example.net>"]));
            await peer.SendRawAsync(recipient.AsMemory(0, 2));
        }

        string end = await Daemon.SessionEndAsync(peer);
        output.WriteLine(string.Join('\n', Daemon.LinesAbout(peer)));

        Assert.Contains("ended: protocol error", end, StringComparison.Ordinal);
        Assert.Contains(Daemon.LinesAbout(peer), line =>
            line.Contains("closed: protocol error (TruncatedPacket): connection closed inside a packet (2 byte(s) pending) after MAIL", StringComparison.Ordinal));
        await AssertStillSigningAsync();
    }

    [Fact]
    public async Task A_close_inside_a_payload_is_a_truncated_packet()
    {
        var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
        await using (peer)
        {
            await SigningConversation.RunThroughAsync(peer.Client, "RCPT");
            byte[] header = FaultPeer.Packet(new HeaderCommand("From", "Alice <alice@example.com>"u8.ToArray()));
            await peer.SendRawAsync(header.AsMemory(0, 12));
        }

        string end = await Daemon.SessionEndAsync(peer);
        output.WriteLine(string.Join('\n', Daemon.LinesAbout(peer)));

        Assert.Contains("ended: protocol error", end, StringComparison.Ordinal);
        Assert.Contains(Daemon.LinesAbout(peer), line =>
            line.Contains("closed: protocol error (TruncatedPacket): connection closed inside a packet (12 byte(s) pending) after RCPT", StringComparison.Ordinal));
        await AssertStillSigningAsync();
    }

    private async Task AssertStillSigningAsync()
    {
        Daemon.AssertRunning();
        // A peer's fault is never logged as our error (a reset before the end-of-message reply once was).
        Assert.DoesNotContain(Daemon.Lines(), line => line.Contains(" ERR ", StringComparison.Ordinal));
        Assert.Equal("mail", await Daemon.SignAsync());
    }
}
