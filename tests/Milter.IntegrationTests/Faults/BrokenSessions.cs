using System.Net;
using Milter.Protocol.Commands;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// The faults of <see cref="PeerCloseTests"/> and <see cref="MalformedInputTests"/> as one list of short broken
/// sessions, for running by the thousand: close (FIN) or reset (RST) after each step of a signing session, close
/// inside a length field or a payload, and every malformed or out-of-phase input followed at once by a close.
/// </summary>
internal static class BrokenSessions
{
    public static IReadOnlyList<(string Name, Func<EndPoint, Task> Run)> Kinds { get; } = Build();

    /// <summary>Runs <paramref name="count"/> broken sessions, <paramref name="parallel"/> at a time, cycling through <see cref="Kinds"/>.</summary>
    public static async Task RunAsync(EndPoint endPoint, int first, int count, int parallel)
    {
        int next = first - 1;
        int end = first + count;
        var workers = Enumerable.Range(0, parallel).Select(async _ =>
        {
            for (int i = Interlocked.Increment(ref next); i < end; i = Interlocked.Increment(ref next))
            {
                var (name, run) = Kinds[i % Kinds.Count];
                try
                {
                    await run(endPoint);
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or EndOfStreamException)
                {
                    throw new InvalidOperationException($"broken session {i} ({name}) could not even get to its fault: {ex.Message}", ex);
                }
            }
        });
        await Task.WhenAll(workers);
    }

    private static List<(string, Func<EndPoint, Task>)> Build()
    {
        var kinds = new List<(string, Func<EndPoint, Task>)>();
        foreach (var step in SigningConversation.Steps)
        {
            kinds.Add(($"close after {step.Name}", async endPoint =>
            {
                await using var peer = await FaultPeer.ConnectAsync(endPoint);
                await SigningConversation.RunThroughAsync(peer.Client, step.Name);
            }));
            kinds.Add(($"reset after {step.Name}", async endPoint =>
            {
                await using var peer = await FaultPeer.ConnectAsync(endPoint);
                await SigningConversation.RunThroughAsync(peer.Client, step.Name);
                peer.Reset();
            }));
        }

        byte[] recipient = FaultPeer.Packet(new RecipientCommand(["<bob@example.net>"]));
        kinds.Add(("close inside a length field", async endPoint =>
        {
            await using var peer = await FaultPeer.ConnectAsync(endPoint);
            await SigningConversation.RunThroughAsync(peer.Client, "MAIL");
            await peer.SendRawAsync(recipient.AsMemory(0, 2));
        }));
        kinds.Add(("close inside a payload", async endPoint =>
        {
            await using var peer = await FaultPeer.ConnectAsync(endPoint);
            await SigningConversation.RunThroughAsync(peer.Client, "MAIL");
            await peer.SendRawAsync(recipient.AsMemory(0, 9));
        }));
        foreach (var fault in MalformedInputTests.Cases)
        {
            kinds.Add((fault.Name, async endPoint =>
            {
                await using var peer = await FaultPeer.ConnectAsync(endPoint);
                if (fault.Before.Length > 0)
                {
                    await SigningConversation.RunThroughAsync(peer.Client, fault.Before);
                }

                await peer.SendRawAsync(fault.Bytes);
            }));
        }

        return kinds;
    }
}
