using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// The database stopped under a running daemon (its own cluster: the others' tests must not see it go): domains
/// already cached keep being signed, past their TTL too; a local sender not cached gets On-InternalError (a 451
/// tempfail by default), never an unsigned pass; one log line says the outage began and one that it ended; a
/// SIGHUP reload during the outage keeps the caches; after the restart new rows are read again.
/// </summary>
[Collection("PostgreSql")] // one at a time: each class runs its own cluster, and the timing assertions need the cores
public sealed class PgsqlOutageTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_database_stopped_mid_run_leaves_cached_domains_signing_and_logs_the_outage()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: true);
        await rig.AddDomainAsync("example.com", "cached");
        await rig.AddDomainAsync("example.org", "cached2", inlineKey: false);
        var (daemon, port) = await rig.StartDaemonAsync("DatabaseCacheTTL 1\nSoftStart yes\n");
        await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "cached", "O1");
        await rig.AssertSignedAsync(port, "bob@example.org", "example.org", "cached2", "O2");

        await cluster.StopAsync();
        try
        {
            await daemon.WaitForOutputAsync("unreachable", LogTimeout);
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // well past the 1 s TTL
            for (int i = 0; i < 5; i++)
            {
                await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "cached", $"D{i}");
                await rig.AssertSignedAsync(port, "bob@example.org", "example.org", "cached2", $"E{i}");
            }

            var (final, _, signature) = await PgsqlRig.SendAsync(port, "carol@example.net", "U1");
            Assert.Null(signature);
            var reply = Assert.IsType<ReplyWithCodeReply>(final);
            Assert.StartsWith("451 4.7.0", reply.Text, StringComparison.Ordinal);

            // A reload while the database is away keeps the caches (SoftStart lets the new configuration through).
            daemon.Signal(1);
            await daemon.WaitForOutputAsync("configuration reloaded", LogTimeout);
            await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "cached", "F1");
        }
        finally
        {
            await cluster.StartAsync();
        }

        await daemon.WaitForOutputAsync("reachable again after", LogTimeout);
        await rig.AddDomainAsync("example.net", "back");
        await PgsqlRig.WaitUntilSignedWithAsync(port, "carol@example.net", "back", TimeSpan.FromSeconds(10));
        Assert.Equal(0, await daemon.StopAsync(PgsqlRig.StopTimeout));
        var outageLines = daemon.Output.Split('\n').Where(line => line.Contains("unreachable (", StringComparison.Ordinal) && line.Contains("database pgsql://", StringComparison.Ordinal)).ToList();
        Assert.Single(outageLines);
        Assert.Contains("signing continues with the", outageLines[0], StringComparison.Ordinal);
        Assert.Single(daemon.Output.Split('\n'), line => line.Contains("reachable again after", StringComparison.Ordinal));
    }
}
