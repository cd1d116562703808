using System.Net.Sockets;
using Milter.Protocol.Commands;
using Milter.Protocol.Wire;
using Milter.Protocol.Client;
using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.Operations;

/// <summary>
/// SIGTERM (systemctl stop): the daemon stops accepting at once, lets the message in progress finish (and sign),
/// and exits 0.
/// </summary>
public sealed class ShutdownTests : IDisposable
{
    private readonly OperationsRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task A_message_in_flight_when_SIGTERM_arrives_is_finished_and_signed_then_the_daemon_exits_0()
    {
        var (daemon, port) = await _rig.StartOnFreePortAsync(port => $"inet:{port}@127.0.0.1");
        await using var client = await MilterClient.ConnectAsync(OperationsRig.Loopback(port));
        await client.NegotiateAsync(MtaProfile.Postfix6);
        await client.ConnectAsync("localhost", ConnectionFamily.Inet, 40000, "127.0.0.1");
        await client.MailAsync(["<alice@example.com>"]);
        await client.RecipientAsync(["<bob@example.net>"]);
        var (headers, body) = RawMessage.Split(OperationsRig.Message("INFLIGHT1"));
        foreach (var (name, value) in headers)
        {
            await client.MessageHeaderAsync(name, value);
        }

        await client.EndOfHeadersAsync();
        await client.BodyChunkAsync(body.AsMemory(0, 5));

        daemon.Signal(15);
        await daemon.WaitForOutputAsync("stopped listening", TimeSpan.FromSeconds(30));
        // No new connections while draining.
        await Assert.ThrowsAnyAsync<SocketException>(() => MilterClient.ConnectAsync(OperationsRig.Loopback(port)));

        await client.BodyChunkAsync(body.AsMemory(5));
        var end = await client.EndOfMessageAsync();
        Assert.True(end.Final.Code is ReplyCode.Continue or ReplyCode.Accept, end.Final.ToString());
        Assert.Single(end.Modifications.OfType<InsertHeaderReply>(), insert => insert.Name == "DKIM-Signature");
        await client.QuitAsync();

        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("1 session(s) still open", daemon.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("did not finish", daemon.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idle_connections_do_not_hold_up_the_stop()
    {
        var (daemon, port) = await _rig.StartOnFreePortAsync(port => $"inet:{port}@127.0.0.1");
        await using var idle = await MilterClient.ConnectAsync(OperationsRig.Loopback(port));
        await idle.NegotiateAsync(MtaProfile.Postfix6);

        Assert.Equal(0, await daemon.StopAsync(OperationsRig.StopTimeout));

        // An idle session is not a message in progress: it is closed at once, not waited for until the drain bound.
        Assert.DoesNotContain("did not finish", daemon.Output, StringComparison.Ordinal);
        Assert.True(await idle.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
    }
}
