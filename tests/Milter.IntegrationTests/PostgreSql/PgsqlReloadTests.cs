using System.Globalization;
using System.Net;
using System.Text;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Postfix;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;
using Npgsql;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// Reloads (SIGHUP, SIGUSR1) of a real daemon whose tables are in PostgreSQL, watched from the server's side
/// (pg_stat_activity, application_name dkim-milter) and through the pgsql look-up metric: a reload that keeps the dsn
/// keeps the table's warm cache and its connections; a refused reload leaves nothing open on the database it named; a
/// reload that points at another database, or drops the database tables, closes every connection to the old one, but
/// only once no message in progress uses the old configuration.
/// </summary>
[Collection("PostgreSql")] // one at a time: each class runs its own cluster, and the timing assertions need the cores
public sealed class PgsqlReloadTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private const int Sighup = 1;
    private const int Sigusr1 = 10;

    /// <summary>How long closing may take: the pool closes at once, the LISTEN loop notices its cancellation.</summary>
    private static readonly TimeSpan CloseBound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_reload_that_keeps_the_dsn_keeps_the_cache_and_the_connections()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await rig.AddDomainAsync("example.com", "kept");
        int metricsPort = FreePort.Pick();
        string metricsSetting = $"MetricsSocket inet:{metricsPort.ToString(CultureInfo.InvariantCulture)}@127.0.0.1\n";
        var (daemon, port) = await rig.StartDaemonAsync(metricsSetting);
        using var metrics = new MetricsScrape(metricsPort);
        await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "kept", "K1");
        Assert.Equal((2, 0, 0), await metrics.PgsqlAsync());
        Assert.True(await ConnectionsAsync(rig.Database) > 0);

        daemon.Signal(Sighup);
        await WaitForLinesAsync(daemon, "configuration reloaded", 1);

        // Still cached: signed without a query.
        await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "kept", "K2");
        Assert.Equal((2, 0, 0), await metrics.PgsqlAsync());
        Assert.True(await ConnectionsAsync(rig.Database) > 0);
        Assert.DoesNotContain("no longer used", daemon.Output, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.StopAsync(PgsqlRig.StopTimeout));
    }

    [Fact]
    public async Task A_reload_that_points_elsewhere_or_drops_the_database_closes_the_old_connections()
    {
        await using var first = await PgsqlRig.CreateAsync(cluster, withTrigger: true);
        await using var second = await PgsqlRig.CreateAsync(cluster, withTrigger: true);
        await first.AddDomainAsync("example.com", "first");
        await second.AddDomainAsync("example.com", "second");
        var (daemon, port) = await first.StartDaemonAsync();
        await first.AssertSignedAsync(port, "alice@example.com", "example.com", "first", "E1");
        Assert.True(await ConnectionsAsync(first.Database) > 0);
        Assert.Equal(0, await ConnectionsAsync(second.Database));

        // Refused (a column that is not there): the check opened the second database; nothing of it stays open.
        string config = first.WriteConfig(port, database: second.Database);
        File.WriteAllText(config, File.ReadAllText(config).Replace("datacol=keyname", "datacol=nosuchcolumn", StringComparison.Ordinal));
        daemon.Signal(Sigusr1);
        await WaitForLinesAsync(daemon, "reload refused", 1);
        await WaitForConnectionsAsync(second.Database, 0);
        Assert.True(await ConnectionsAsync(first.Database) > 0);
        await first.AssertSignedAsync(port, "alice@example.com", "example.com", "first", "E2");

        // Accepted: the first database's pool, LISTEN connection and refresh loop go; the second one is used.
        first.WriteConfig(port, database: second.Database);
        daemon.Signal(Sigusr1);
        await WaitForLinesAsync(daemon, "configuration reloaded", 1);
        await WaitForConnectionsAsync(first.Database, 0);
        await second.AssertSignedAsync(port, "alice@example.com", "example.com", "second", "E3");
        Assert.True(await ConnectionsAsync(second.Database) > 0);
        Assert.Contains($"database pgsql://postgres@127.0.0.1:{cluster.Port}/{first.Database} no longer used", daemon.Output, StringComparison.Ordinal);

        // The database tables dropped from the configuration: nothing stays open on the second one either.
        File.WriteAllText(config, $"Socket inet:{port.ToString(CultureInfo.InvariantCulture)}@127.0.0.1\nSyslogSuccess yes\n");
        daemon.Signal(Sighup);
        await WaitForLinesAsync(daemon, "configuration reloaded", 2);
        await WaitForConnectionsAsync(second.Database, 0);
        var (_, _, signature) = await PgsqlRig.SendAsync(port, "alice@example.com", "E4");
        Assert.Null(signature);
        Assert.Equal(0, await daemon.StopAsync(PgsqlRig.StopTimeout));
        Assert.DoesNotContain("unreachable", daemon.Output, StringComparison.Ordinal); // closing is not an outage
    }

    [Fact]
    public async Task A_message_in_progress_across_the_reload_keeps_the_old_database_until_it_ends()
    {
        await using var first = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await using var second = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await first.AddDomainAsync("example.com", "first");
        await second.AddDomainAsync("example.com", "second");
        var (daemon, port) = await first.StartDaemonAsync();
        await first.AssertSignedAsync(port, "alice@example.com", "example.com", "first", "P1");

        // A message whose first header is in before the reload keeps the configuration it started with.
        await using var client = await MilterClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await client.NegotiateAsync(MtaProfile.Postfix6);
        await client.ConnectAsync("localhost", ConnectionFamily.Inet, 40000, "127.0.0.1");
        await client.MailAsync(["<bob@example.com>"], [new("i", "P2")]);
        await client.RecipientAsync(["<carol@example.net>"], [new("i", "P2")]);
        await client.MessageHeaderAsync("From", " <bob@example.com>"u8, [new("i", "P2")]);

        first.WriteConfig(port, database: second.Database);
        daemon.Signal(Sighup);
        await WaitForLinesAsync(daemon, "configuration reloaded", 1);
        await second.AssertSignedAsync(port, "alice@example.com", "example.com", "second", "P3");
        Assert.True(await ConnectionsAsync(first.Database) > 0, "the old database was let go under a message in progress");

        // bob@ was never looked up: the old configuration's tables still query the first database.
        var rest = await client.SendContentAsync(Encoding.ASCII.GetBytes("To: carol@example.net\r\nSubject: across\r\n\r\nbody\r\n"), "P2");
        await client.QuitAsync();
        Assert.True(rest.Final.Code is ReplyCode.Continue or ReplyCode.Accept, rest.Final.ToString());
        var signature = Assert.Single(rest.Modifications.OfType<InsertHeaderReply>(), insert => insert.Name == "DKIM-Signature");
        Assert.Contains("s=first;", Encoding.ASCII.GetString(signature.Value.Span), StringComparison.Ordinal);

        // Its end releases the old configuration, and with it the first database.
        await WaitForConnectionsAsync(first.Database, 0);
        Assert.True(await ConnectionsAsync(second.Database) > 0);
        Assert.Equal(0, await daemon.StopAsync(PgsqlRig.StopTimeout));
    }

    /// <summary>The daemon's connections to <paramref name="database"/>, as the server sees them.</summary>
    private async Task<long> ConnectionsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @database AND application_name = 'dkim-milter'", connection);
        command.Parameters.AddWithValue("database", database);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task WaitForConnectionsAsync(string database, long expected)
    {
        var deadline = DateTime.UtcNow + CloseBound;
        long now;
        while ((now = await ConnectionsAsync(database)) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{now} connection(s) to {database} after {CloseBound.TotalSeconds} s, expected {expected}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the daemon has logged <paramref name="text"/> <paramref name="count"/> times.</summary>
    private static async Task WaitForLinesAsync(DaemonProcess daemon, string text, int count)
    {
        var deadline = DateTime.UtcNow + CloseBound;
        while (daemon.Output.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal)) < count)
        {
            Assert.True(DateTime.UtcNow < deadline && !daemon.HasExited, $"'{text}' not logged {count} time(s):\n{daemon.Output}");
            await Task.Delay(50);
        }
    }
}
