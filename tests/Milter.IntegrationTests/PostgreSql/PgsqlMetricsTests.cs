using System.Globalization;
using Milter.IntegrationTests.Postfix;
using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// dkim_milter_dataset_lookups_total{backend="pgsql"} on the real daemon with its KeyTable and SigningTable in
/// PostgreSQL and MetricsSocket on: served at 0 from the start, one count per database query (a cache miss), labelled
/// found when the query returned a row, not_found when it returned none, error when the database refused it; a message
/// whose keys are all cached adds nothing.
/// </summary>
[Collection("PostgreSql")] // one at a time: each class runs its own cluster, and the timing assertions need the cores
public sealed class PgsqlMetricsTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task Database_queries_are_counted_by_result_and_cached_messages_add_none()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await rig.AddDomainAsync("example.com", "pg1");
        int metricsPort = FreePort.Pick();
        var (daemon, port) = await rig.StartDaemonAsync($"MetricsSocket inet:{metricsPort.ToString(CultureInfo.InvariantCulture)}@127.0.0.1\n");
        using var metrics = new MetricsScrape(metricsPort);

        // Served before the first message (the start-up probe of each table is not a look-up).
        Assert.Equal((0, 0, 0), await metrics.PgsqlAsync());

        // A new sender of ours: one query for its SigningTable candidates, one for its KeyTable row; both found.
        await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "pg1", "M1");
        Assert.Equal((2, 0, 0), await metrics.PgsqlAsync());

        // The same sender again: everything cached, no query.
        await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "pg1", "M2");
        Assert.Equal((2, 0, 0), await metrics.PgsqlAsync());

        // A sender not in the table: one query, nothing found; cached as such, so the second message asks nothing.
        var (_, _, unsigned) = await PgsqlRig.SendAsync(port, "dave@example.net", "M3");
        Assert.Null(unsigned);
        Assert.Equal((2, 1, 0), await metrics.PgsqlAsync());
        (_, _, unsigned) = await PgsqlRig.SendAsync(port, "dave@example.net", "M4");
        Assert.Null(unsigned);
        Assert.Equal((2, 1, 0), await metrics.PgsqlAsync());

        // Another user of a cached domain: only the user's own candidates (carol@example.com, carol@.com, carol@*) are
        // queried, and none has a row, so the query counts as not_found although the message is signed (with the
        // domain's cached entries, the KeyTable row cached too).
        await rig.AssertSignedAsync(port, "carol@example.com", "example.com", "pg1", "M5");
        Assert.Equal((2, 2, 0), await metrics.PgsqlAsync());

        // A query the database refuses (the table renamed away): error, and the local sender gets On-InternalError.
        await cluster.ExecuteAsync(rig.Database, "ALTER TABLE signing RENAME TO signing_gone");
        var (final, _, signature) = await PgsqlRig.SendAsync(port, "erin@example.org", "M6");
        Assert.Null(signature);
        Assert.StartsWith("451", Assert.IsType<ReplyWithCodeReply>(final).Text, StringComparison.Ordinal);
        Assert.Equal((2, 2, 1), await metrics.PgsqlAsync());

        // Cached senders do not notice.
        await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "pg1", "M7");
        Assert.Equal((2, 2, 1), await metrics.PgsqlAsync());
        Assert.Equal(0, await daemon.StopAsync(PgsqlRig.StopTimeout));
    }
}
