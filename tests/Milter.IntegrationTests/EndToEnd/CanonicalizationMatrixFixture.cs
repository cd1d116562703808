using System.Collections.Concurrent;

namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// Runs each (Canonicalization, milter_protocol) configuration once for the whole matrix: its own daemon and
/// Postfix, all messages in one SMTP session from 127.0.0.1 (an InternalHosts client), every delivery verified by
/// dkimpy in one batch, then both processes stopped. The six configurations run side by side; a theory case only
/// reads the result of its own message, so the cases stay independent of each other.
/// </summary>
public sealed class CanonicalizationMatrixFixture : IAsyncLifetime
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<(string, int), Lazy<Task<MatrixRun>>> _runs = new();

    internal Task<MatrixRun> RunAsync(string canonicalization, int milterProtocol) =>
        _runs.GetOrAdd((canonicalization, milterProtocol), key => new Lazy<Task<MatrixRun>>(() => Task.Run(() => ExecuteAsync(key.Item1, key.Item2)))).Value;

    public Task InitializeAsync()
    {
        // Start all six now so that they overlap; each case awaits its own.
        foreach (string canonicalization in CanonicalizationMatrixTests.Canonicalizations)
        {
            foreach (int protocol in CanonicalizationMatrixTests.Protocols)
            {
                _ = RunAsync(canonicalization, protocol);
            }
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        // A run stops its own processes; wait for them so that none outlives the tests. Failures were reported
        // by the cases that awaited them.
        foreach (var run in _runs.Values)
        {
            try
            {
                await run.Value;
            }
            catch (Exception)
            {
                // Already reported by every case of that configuration.
            }
        }
    }

    private static async Task<MatrixRun> ExecuteAsync(string canonicalization, int milterProtocol)
    {
        await using var rig = await SigningRig.StartAsync(new RigSetup
        {
            MilterProtocol = milterProtocol,
            Options = new Dictionary<string, string> { ["Canonicalization"] = canonicalization },
        });
        var names = MatrixMessages.All;
        var queueIds = await rig.Postfix.SendSmtpAsync(
            MatrixMessages.Sender, [MatrixMessages.Recipient], names.Select(MatrixMessages.Text).ToList());
        var delivered = (await rig.Postfix.WaitForDeliveredAsync(names.Count, DeliveryTimeout)).Select(bytes => new SignedMessage(bytes)).ToList();
        var verdicts = await DkimpyVerifier.VerifyAsync(rig.Keys, delivered.Select(message => message.Wire).ToList());

        var deliveries = new Dictionary<string, MatrixDelivery>(StringComparer.Ordinal);
        for (int i = 0; i < delivered.Count; i++)
        {
            string name = delivered[i].Header("X-Test-Case") ?? throw new InvalidOperationException("a delivery without X-Test-Case:\n" + delivered[i].Delivered.HeaderBlock);
            deliveries[name] = new MatrixDelivery(queueIds[names.ToList().IndexOf(name)], delivered[i], verdicts[i]);
        }

        // Every signature line of this run is in the output once the last message is delivered and its line read.
        foreach (var delivery in deliveries.Values)
        {
            _ = await rig.SignatureLogLinesAsync(delivery.SmtpQueueId, expected: 1);
        }

        return new MatrixRun(deliveries, rig.Daemon.Output, rig.Postfix.ReadMailLogProblems());
    }
}
