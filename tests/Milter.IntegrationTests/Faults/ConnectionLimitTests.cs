using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Xunit.Abstractions;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// MaximumConnections 3: a fourth connection is not served while three sessions are open (its OPTNEG gets no
/// answer; the connect itself succeeds, through the listen queue), the limit is logged once as reached, the
/// waiting connection is served as soon as a session ends and its message signed, and once nobody waits the
/// limit is logged as cleared. The status line counts the waiting connection.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class ConnectionLimitTests(ITestOutputHelper output) : IAsyncLifetime
{
    private FaultDaemon? _daemon;

    private FaultDaemon Daemon => _daemon!;

    public async Task InitializeAsync() => _daemon = await FaultDaemon.StartAsync("MaximumConnections 3\n");

    public Task DisposeAsync()
    {
        _daemon?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task At_the_limit_new_connections_wait_until_a_session_ends()
    {
        var open = new List<FaultPeer>();
        FaultPeer? waiting = null;
        string atLimitLine = "";
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
                open.Add(peer);
                await peer.Client.NegotiateAsync(MtaProfile.Postfix6);
            }

            waiting = await FaultPeer.ConnectAsync(Daemon.EndPoint);
            await waiting.Client.SendAsync(new OptionNegotiationCommand(MtaProfile.Postfix6.Version, MtaProfile.Postfix6.Actions, MtaProfile.Postfix6.Protocol));
            await Daemon.Process.WaitForOutputAsync("WRN connection limit 3 reached: new connections wait in the listen queue until a session ends", FaultDaemon.LogWait);
            var atLimit = await Daemon.StatusAsync();
            atLimitLine = atLimit.Line;
            Assert.Equal(3, atLimit.Open);
            Assert.Equal(1, atLimit.Waiting);
            var reply = waiting.Client.ReadReplyAsync();
            // Nothing can arrive while the three sessions are open: this wait ends by its delay.
            await Task.WhenAny(reply, Task.Delay(TimeSpan.FromSeconds(1)));
            Assert.False(reply.IsCompleted, "the fourth connection was answered while three sessions were open");

            await open[0].Client.QuitAsync();
            var negotiation = Assert.IsType<NegotiationReply>(await reply.WaitAsync(FaultDaemon.LogWait));
            Assert.Equal(6u, negotiation.Version);
            Assert.Single(Daemon.Lines(), line => line.Contains("connection limit 3 reached", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var peer in open)
            {
                await peer.DisposeAsync();
            }

            if (waiting is not null)
            {
                await waiting.DisposeAsync();
            }
        }

        await Daemon.Process.WaitForOutputAsync("INF connection limit 3 no longer reached: ", FaultDaemon.LogWait);
        Assert.Equal("mail", await Daemon.SignAsync());
        var after = await Daemon.WaitForNoSessionsAsync();
        Assert.Equal(0, after.Open);
        Assert.Equal(0, after.Waiting);
        output.WriteLine(string.Join('\n', Daemon.Lines().Where(line => line.Contains("connection limit", StringComparison.Ordinal))));
        output.WriteLine(atLimitLine);
    }

    [Fact]
    public async Task A_burst_above_the_limit_is_served_in_turn_and_every_message_signed()
    {
        // 12 MTAs at once against 3 slots: each waits its turn in the listen queue; none is refused.
        var selectors = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Daemon.SignAsync($"4Burst{i:D2}")));

        Assert.All(selectors, selector => Assert.Equal("mail", selector));
        Assert.DoesNotContain(Daemon.Lines(), line => line.Contains(" ERR ", StringComparison.Ordinal) || line.Contains("protocol error", StringComparison.Ordinal));
        Assert.Equal(0, (await Daemon.WaitForNoSessionsAsync()).Open);
    }
}
