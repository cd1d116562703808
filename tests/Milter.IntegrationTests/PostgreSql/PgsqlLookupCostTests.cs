using System.Diagnostics;
using System.Globalization;
using System.Net;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Configuration.Policy;
using Xunit.Abstractions;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// A micro-measure, in process, of what a signing decision costs with the tables in PostgreSQL: cold (every sender
/// new: its candidates go to the database in one query) and warm (all cached), over 10,000 domains, against the
/// same decision with file tables. The numbers are printed; the test asserts only that warm decisions do not touch
/// the database (they stay far below a round trip) and every decision found its key.
/// </summary>
[Collection("PostgreSql")] // one at a time: each class runs its own cluster, and the timing assertions need the cores
public sealed class PgsqlLookupCostTests(PostgresCluster cluster, ITestOutputHelper output) : IClassFixture<PostgresCluster>
{
    private const int Domains = 10_000;

    [Fact]
    public async Task Cold_and_warm_decision_cost()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await cluster.ExecuteAsync(rig.Database, $"""
            INSERT INTO keys SELECT 'd' || i || '.example', 'd' || i || '.example', 'sel', '/etc/dkim/d' || i || '.private' FROM generate_series(1, {Domains}) i;
            INSERT INTO signing SELECT 'd' || i || '.example', 'd' || i || '.example' FROM generate_series(1, {Domains}) i;
            ANALYZE keys; ANALYZE signing;
            """);
        string dbConfig = rig.WriteConfig(FreePortFor(rig));
        string files = Path.Combine(rig.Directory, "files.conf");
        await File.WriteAllLinesAsync(Path.Combine(rig.Directory, "KeyTable"), Enumerable.Range(1, Domains).Select(i => $"d{i}.example d{i}.example:sel:/etc/dkim/d{i}.private"));
        await File.WriteAllLinesAsync(Path.Combine(rig.Directory, "SigningTable"), Enumerable.Range(1, Domains).Select(i => $"d{i}.example d{i}.example"));
        await File.WriteAllTextAsync(files, $"KeyTable file:{rig.Directory}/KeyTable\nSigningTable file:{rig.Directory}/SigningTable\n");

        var database = Policy(dbConfig);
        var fromFiles = Policy(files);
        const int n = 2_000;
        double cold = Measure(database, n, offset: 0);
        double warm = Measure(database, n, offset: 0);
        double filesPerDecision = Measure(fromFiles, n, offset: 0);

        output.WriteLine($"{Domains} domains, {n} decisions each: cold {cold:F1} µs/decision (one query per sender), warm {warm:F2} µs/decision, file tables {filesPerDecision:F2} µs/decision");
        Assert.True(warm * 10 < cold, $"warm {warm} µs vs cold {cold} µs");
    }

    private static SigningPolicy Policy(string path)
    {
        var diagnostics = new List<ConfigDiagnostic>();
        var policy = SigningPolicy.From(ConfigFileParser.Load(path), diagnostics);
        Assert.DoesNotContain(diagnostics, diagnostic => diagnostic.IsError);
        return policy;
    }

    private static double Measure(SigningPolicy policy, int n, int offset)
    {
        var stopwatch = Stopwatch.StartNew();
        for (int i = 1; i <= n; i++)
        {
            string sender = $"user@d{(i + offset).ToString(CultureInfo.InvariantCulture)}.example";
            var decision = policy.Decide(new MessageFacts(sender, IPAddress.Loopback, null, _ => null, ["<bob@example.net>"]));
            Assert.Equal(PolicyAction.Sign, decision.Action);
        }

        return stopwatch.Elapsed.TotalMicroseconds / n;
    }

    private static int FreePortFor(PgsqlRig rig) => rig.Cluster.Port + 1; // the socket is never opened: only the tables are read
}
