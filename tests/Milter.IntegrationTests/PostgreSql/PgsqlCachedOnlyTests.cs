using System.Net;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Configuration.Datasets;
using Milter.Configuration.Policy;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// The daemon decides a message on its socket thread when every row it needs is cached, and moves to the thread pool
/// only for a row to fetch (<see cref="CachedOnlyLookups"/>): a decision needing the database must be abandoned, not
/// queried, and one with everything cached must come out the same as an ordinary decision.
/// </summary>
[Collection("PostgreSql")]
public sealed class PgsqlCachedOnlyTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task A_decision_from_cached_rows_only_is_abandoned_until_the_rows_are_cached()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await cluster.ExecuteAsync(rig.Database, """
            INSERT INTO keys VALUES ('d1.example', 'd1.example', 'sel', '/etc/dkim/d1.private');
            INSERT INTO signing VALUES ('d1.example', 'd1.example');
            """);
        var diagnostics = new List<ConfigDiagnostic>();
        var policy = SigningPolicy.From(ConfigFileParser.Load(rig.WriteConfig(rig.Cluster.Port + 1)), diagnostics);
        Assert.DoesNotContain(diagnostics, diagnostic => diagnostic.IsError);
        var facts = new MessageFacts("user@d1.example", IPAddress.Loopback, null, _ => null, ["<bob@example.net>"]);

        Assert.False(CachedOnlyLookups.TryRun(() => policy.Decide(facts), out var abandoned));
        Assert.Null(abandoned);

        var decided = policy.Decide(facts);
        Assert.True(CachedOnlyLookups.TryRun(() => policy.Decide(facts), out var cached));
        Assert.Equal(PolicyAction.Sign, decided.Action);
        Assert.Equal(decided.Action, cached!.Action);
        Assert.Equal(decided.Keys.Select(key => key.Key.Selector), cached.Keys.Select(key => key.Key.Selector));

        // Outside TryRun the same table queries again as usual (the flag does not stick to the thread).
        var other = new MessageFacts("user@unknown.example", IPAddress.Loopback, null, _ => null, ["<bob@example.net>"]);
        Assert.NotEqual(PolicyAction.Sign, policy.Decide(other).Action);
    }
}
