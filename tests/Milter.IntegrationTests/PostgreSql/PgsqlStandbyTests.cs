using System.Globalization;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Postfix;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// A relay reading its tables from a read-only hot standby (docs/SCALING.md): it signs from the replica, a key
/// rotated on the primary reaches it through replication and the periodic refresh (a standby refuses LISTEN, so no
/// notification), and it says once that notifications are off instead of reporting the replica unreachable.
/// </summary>
[Collection("PostgreSql")]
public sealed class PgsqlStandbyTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_daemon_on_a_standby_signs_and_follows_changes_made_on_the_primary()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: true);
        await rig.AddDomainAsync("replica.example", "s1");
        var standby = await cluster.StartStandbyAsync();
        try
        {
            int port = FreePort.Pick();
            string dsn = $"dsn:pgsql://postgres@{standby.Port.ToString(CultureInfo.InvariantCulture)}+127.0.0.1/{rig.Database}";
            string config = Path.Combine(rig.Directory, "standby.conf");
            await File.WriteAllTextAsync(config,
                $"Socket inet:{port.ToString(CultureInfo.InvariantCulture)}@127.0.0.1\n" +
                $"KeyTable {dsn}/table=keys?keycol=name?datacol=domain,selector,key\n" +
                $"SigningTable {dsn}/table=signing?keycol=pattern?datacol=keyname\n" +
                "DatabaseCacheTTL 2\n");
            await using var daemon = await DaemonProcess.StartAsync("-x", config, "-f");
            try
            {
                await WaitForReplicationAsync(standby, rig.Database, "replica.example");
                await rig.AssertSignedAsync(port, "user@replica.example", "replica.example", "s1", "R1");
                await daemon.WaitForOutputAsync("is a read-only standby", Bound);

                await rig.RotateAsync("replica.example", "s2");
                await PgsqlRig.WaitUntilSignedWithAsync(port, "user@replica.example", "s2", Bound);
                await rig.AssertSignedAsync(port, "user@replica.example", "replica.example", "s2", "R2");

                Assert.DoesNotContain("unreachable", daemon.Output, StringComparison.Ordinal);
                Assert.Single(daemon.Output.Split('\n'), line => line.Contains("is a read-only standby", StringComparison.Ordinal));
            }
            finally
            {
                await daemon.StopAsync(PgsqlRig.StopTimeout);
            }
        }
        finally
        {
            await standby.DisposeAsync();
        }
    }

    private static async Task WaitForReplicationAsync(PostgresCluster standby, string database, string name)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            await using var connection = new Npgsql.NpgsqlConnection(standby.ConnectionString(database));
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM keys WHERE name = @name", connection);
            command.Parameters.AddWithValue("name", name);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow - started < Bound, $"{name} not replicated to the standby within {Bound.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
