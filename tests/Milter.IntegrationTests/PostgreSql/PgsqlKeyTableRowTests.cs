using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Configuration.Datasets.PostgreSql;
using Milter.Configuration.Policy;
using Milter.Configuration.Tables;
using Milter.Daemon.Dkim;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// The warm path of a database KeyTable, in process: a cached row is parsed once and handed out as the same entry,
/// marked as a database row, with no allocation per look-up; its key is loaded once; an entry is told to be a row by
/// that mark, not by its line number; a row changed in the database (heard through NOTIFY) becomes a new entry and a new
/// key.
/// </summary>
[Collection("PostgreSql")] // one at a time: each class runs its own cluster, and the timing assertions need the cores
public sealed class PgsqlKeyTableRowTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task A_cached_row_is_parsed_once_and_its_key_loaded_once_until_the_row_changes()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: true);
        try
        {
            await rig.AddDomainAsync("example.com", "pg1");
            var diagnostics = new List<ConfigDiagnostic>();
            // The socket of the configuration is never opened: only its tables are read.
            var policy = SigningPolicy.From(ConfigFileParser.Load(rig.WriteConfig(cluster.Port + 1)), diagnostics);
            Assert.DoesNotContain(diagnostics, diagnostic => diagnostic.IsError);
            var keyTable = policy.KeyTable!;

            // Names compare exactly in a database, as in OpenDKIM's (a file KeyTable ignores case).
            Assert.Null(keyTable.Find("Example.COM"));
            var first = keyTable.Find("example.com");
            Assert.NotNull(first);
            Assert.True(first.IsDatabaseRow);
            Assert.Equal(("example.com", "example.com", "pg1", 0), (first.Name, first.Domain, first.Selector, first.Line));
            Assert.StartsWith("inline key of row 'example.com' in pgsql://127.0.0.1:", first.KeyDescription, StringComparison.Ordinal);
            Assert.Same(first, keyTable.Find("example.com"));

            // Warm look-ups allocate nothing (measured after a first round, so that nothing is being compiled).
            KeyTableEntry? last = null;
            for (int i = 0; i < 1_000; i++)
            {
                last = keyTable.Find("example.com");
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                last = keyTable.Find("example.com");
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Same(first, last);
            Assert.Equal(0, allocated);

            // The key is loaded once for the row; an entry that only has line 0 (how rows used to be told apart) is not a row.
            using var keys = new SigningKeys([]);
            var key = keys.Find(first, out string? error);
            Assert.True(key is not null, error);
            Assert.Same(key, keys.Find(keyTable.Find("example.com")!, out _));
            Assert.Null(keys.Find(first with { IsDatabaseRow = false }, out error));
            Assert.Equal("the key was not loaded at start-up", error);

            // A rotated row (NOTIFY) is a new entry with its own key.
            await rig.RotateAsync("example.com", "pg2");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            KeyTableEntry rotated;
            while ((rotated = keyTable.Find("example.com")!).Selector != "pg2")
            {
                Assert.True(DateTime.UtcNow < deadline, "the rotated row was not read again within 10 s of its notification");
                await Task.Delay(50);
            }

            Assert.NotSame(first, rotated);
            Assert.True(rotated.IsDatabaseRow);
            Assert.Same(rotated, keyTable.Find("example.com"));
            var rotatedKey = keys.Find(rotated, out error);
            Assert.True(rotatedKey is not null, error);
            Assert.NotSame(key, rotatedKey);
        }
        finally
        {
            // Nothing holds the tables this test opened in process: close their connections and loops.
            PgsqlRegistry.ReleaseUnheld();
        }
    }
}
