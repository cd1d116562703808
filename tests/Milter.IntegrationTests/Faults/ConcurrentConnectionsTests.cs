using System.Text;
using Milter.IntegrationTests.Operations;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;
using Xunit.Abstractions;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// 1,000 MTA connections open at once against the daemon with its default settings (MaximumConnections 4096):
/// all negotiate and stay open, the status line counts 1,000 open sessions, then each sends a message and every
/// one is signed, with no error logged; afterwards no session is left.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class ConcurrentConnectionsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Connections = 1000;
    private FaultDaemon? _daemon;

    private FaultDaemon Daemon => _daemon!;

    public async Task InitializeAsync() => _daemon = await FaultDaemon.StartAsync(verbose: false);

    public Task DisposeAsync()
    {
        _daemon?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_thousand_connections_are_held_at_once_and_every_message_is_signed()
    {
        var clients = new List<MilterClient>(Connections);
        try
        {
            // Opened 50 at a time (as the held benchmark does), so connects do not overflow the listen queue.
            using var opening = new SemaphoreSlim(50);
            var opened = await Task.WhenAll(Enumerable.Range(0, Connections).Select(async _ =>
            {
                await opening.WaitAsync();
                try
                {
                    var client = await MilterClient.ConnectAsync(Daemon.EndPoint);
                    await client.NegotiateAsync(MtaProfile.Postfix6);
                    await client.ConnectAsync("localhost", ConnectionFamily.Inet, 40000, "127.0.0.1");
                    return client;
                }
                finally
                {
                    opening.Release();
                }
            }));
            clients.AddRange(opened);

            var held = await Daemon.StatusAsync();
            output.WriteLine($"{Connections} held: {Daemon.OpenDescriptors()} descriptors; {held.Line}");
            Assert.Equal(Connections, held.Open);
            Assert.Equal(0, held.Waiting);

            var selectors = await Task.WhenAll(clients.Select((client, i) => SendAsync(client, $"4Held{i:D4}")));

            Assert.All(selectors, selector => Assert.Equal("mail", selector));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        var after = await Daemon.WaitForNoSessionsAsync();
        output.WriteLine($"all closed: {Daemon.OpenDescriptors()} descriptors; {after.Line}");
        Assert.Equal(0, after.Open);
        Assert.DoesNotContain(Daemon.Lines(), line => line.Contains(" ERR ", StringComparison.Ordinal) || line.Contains(" WRN ", StringComparison.Ordinal));
    }

    private static async Task<string> SendAsync(MilterClient client, string queueId)
    {
        await client.MailAsync(["<alice@example.com>"], [new("i", queueId)]);
        await client.RecipientAsync(["<bob@example.net>"], [new("i", queueId)]);
        var result = await client.SendContentAsync(OperationsRig.Message(queueId), queueId);
        Assert.True(result.Final.Code is ReplyCode.Continue or ReplyCode.Accept, $"{queueId}: {result.Final}");
        var signature = Assert.Single(result.Modifications.OfType<InsertHeaderReply>(), insert => insert.Name == "DKIM-Signature");
        await client.QuitAsync();
        return OperationsRig.Selector(Encoding.ASCII.GetString(signature.Value.Span));
    }
}
