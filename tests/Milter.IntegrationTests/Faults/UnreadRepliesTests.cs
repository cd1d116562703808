using System.Net.Sockets;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Xunit.Abstractions;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// A peer that keeps sending but stops reading our replies: once the socket buffers are full the daemon's write
/// cannot complete, and it is given the read timeout (here MessageIdleTimeout 3) before the session is closed with
/// an information line. A unix-domain socket, whose small buffers fill after a few hundred KiB of replies.
/// MaximumHeaders 0: the flood of header fields is far over OpenDKIM's 64 KiB header block, which would otherwise
/// end the message with a tempfail long before the buffers fill.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class UnreadRepliesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private FaultDaemon? _daemon;

    private FaultDaemon Daemon => _daemon!;

    public async Task InitializeAsync() => _daemon = await FaultDaemon.StartOnUnixSocketAsync("ConnectionIdleTimeout 2\nMessageIdleTimeout 3\nMaximumHeaders 0\n");

    public Task DisposeAsync()
    {
        _daemon?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_peer_that_stops_reading_replies_is_closed_when_the_write_times_out()
    {
        await using var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
        // Protocol version 2 offers no "no reply" flags: every header is answered.
        await peer.Client.NegotiateAsync(MtaProfile.Postfix2);
        await peer.Client.ConnectAsync("localhost", ConnectionFamily.Inet, 40000, "127.0.0.1");
        await peer.Client.MailAsync(["<alice@example.com>"]);
        await peer.Client.RecipientAsync(["<bob@example.net>"]);
        byte[] header = FaultPeer.Packet(new HeaderCommand("X-Flood", " x"u8.ToArray()));
        byte[] burst = Enumerable.Repeat(header, 1000).SelectMany(packet => packet).ToArray();
        long sent = 0;

        // Sends until the daemon closes the connection (our blocked send then fails).
        var flood = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await peer.SendRawAsync(burst);
                    sent += burst.Length;
                }
            }
            catch (SocketException)
            {
            }
        });
        await flood.WaitAsync(FaultDaemon.LogWait);

        await Daemon.Process.WaitForOutputAsync("ended: write timeout", FaultDaemon.LogWait);
        string end = Daemon.Lines().Last(line => line.Contains("ended: write timeout", StringComparison.Ordinal));
        output.WriteLine($"{sent} bytes of headers sent, no reply read");
        output.WriteLine(string.Join('\n', Daemon.Lines().Where(line => line.Contains("write timeout", StringComparison.Ordinal) || line.Contains("our replies", StringComparison.Ordinal))));
        Assert.Contains("ended: write timeout inside a message (after a header)", end, StringComparison.Ordinal);
        Assert.Contains(Daemon.Lines(), line =>
            line.Contains(" INF ", StringComparison.Ordinal) && line.Contains("closed: the MTA has not read our replies for 00:00:03 inside a message (after a header)", StringComparison.Ordinal));
        Assert.DoesNotContain(Daemon.Lines(), line => line.Contains(" ERR ", StringComparison.Ordinal));
        Assert.Equal("mail", await Daemon.SignAsync());
    }
}
