using Milter.Protocol.Commands;
using Xunit.Abstractions;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// Stalled peers against a daemon with short read timeouts (ConnectionIdleTimeout 2, MessageIdleTimeout 3; the
/// defaults are 7210 s): silent before negotiating, between messages, inside a message, and trickling a packet one
/// byte at a time. Each is closed with an information line saying which wait ran out and where; the daemon
/// goes on signing.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class ReadTimeoutTests(ReadTimeoutTests.ShortTimeoutDaemon fixture, ITestOutputHelper output) : IClassFixture<ReadTimeoutTests.ShortTimeoutDaemon>
{
    private FaultDaemon Daemon => fixture.Daemon;

    public sealed class ShortTimeoutDaemon : IAsyncLifetime
    {
        private FaultDaemon? _daemon;

        internal FaultDaemon Daemon => _daemon ?? throw new InvalidOperationException("not started");

        public async Task InitializeAsync() => _daemon = await FaultDaemon.StartAsync("ConnectionIdleTimeout 2\nMessageIdleTimeout 3\n");

        public Task DisposeAsync()
        {
            _daemon?.Dispose();
            return Task.CompletedTask;
        }
    }

    [Theory]
    [InlineData("", "for 00:00:02 between messages (before option negotiation)")]
    [InlineData("OPTNEG", "for 00:00:02 between messages (before CONNECT)")]
    [InlineData("CONNECT", "for 00:00:02 between messages (outside a message)")]
    [InlineData("MAIL", "for 00:00:03 inside a message (after MAIL)")]
    [InlineData("EOH", "for 00:00:03 inside a message (after end of headers)")]
    public async Task A_silent_peer_is_closed_when_its_read_timeout_runs_out(string lastStep, string expected)
    {
        await using var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
        if (lastStep.Length > 0)
        {
            await SigningConversation.RunThroughAsync(peer.Client, lastStep);
        }

        Assert.True(await peer.Client.WaitForCloseAsync(FaultDaemon.LogWait), "the daemon did not close the stalled connection");
        Assert.Contains("ended: idle timeout", await Daemon.SessionEndAsync(peer), StringComparison.Ordinal);
        output.WriteLine(string.Join('\n', Daemon.LinesAbout(peer)));
        Assert.Contains(Daemon.LinesAbout(peer), line =>
            line.Contains($"closed: no complete command from the MTA {expected}", StringComparison.Ordinal) && line.Contains(" INF ", StringComparison.Ordinal));
        Assert.Equal("mail", await Daemon.SignAsync());
    }

    [Fact]
    public async Task A_peer_trickling_a_packet_is_closed_before_the_packet_is_complete()
    {
        // 4 bytes a second: the 90-byte header packet would take over 20 s; the message timeout is 3 s, and bytes
        // that do not complete a command do not restart it.
        await using var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
        await SigningConversation.RunThroughAsync(peer.Client, "RCPT");
        byte[] packet = FaultPeer.Packet(new HeaderCommand("Subject", new byte[80]));
        var closed = peer.Client.WaitForCloseAsync(TimeSpan.FromSeconds(60));
        int sent = 0;
        while (sent < packet.Length && !closed.IsCompleted)
        {
            try
            {
                await peer.SendRawAsync(packet.AsMemory(sent, 1));
            }
            catch (System.Net.Sockets.SocketException)
            {
                break;
            }

            sent++;
            await Task.WhenAny(closed, Task.Delay(250));
        }

        Assert.True(await closed, "the daemon did not close the trickling connection");
        Assert.Contains("ended: idle timeout", await Daemon.SessionEndAsync(peer), StringComparison.Ordinal);
        output.WriteLine($"{sent} of {packet.Length} bytes sent before the close");
        output.WriteLine(string.Join('\n', Daemon.LinesAbout(peer)));
        Assert.True(sent < packet.Length, $"the whole packet went out ({sent} bytes) before the daemon closed the connection");
        Assert.Contains(Daemon.LinesAbout(peer), line =>
            line.Contains("closed: no complete command from the MTA for 00:00:03 inside a message (after RCPT)", StringComparison.Ordinal));
        Assert.Equal("mail", await Daemon.SignAsync());
    }

    [Fact]
    public void A_timeout_below_Postfixs_smtpd_timeout_is_warned_about_at_start_up()
    {
        Assert.Contains(Daemon.Lines(), line =>
            line.Contains("WRN ConnectionIdleTimeout 2 (", StringComparison.Ordinal) && line.Contains("is shorter than Postfix's smtpd_timeout (300 s)", StringComparison.Ordinal));
        Assert.Contains(Daemon.Lines(), line =>
            line.Contains("WRN MessageIdleTimeout 3 (", StringComparison.Ordinal) && line.Contains("is shorter than Postfix's smtpd_timeout (300 s)", StringComparison.Ordinal));
    }
}
