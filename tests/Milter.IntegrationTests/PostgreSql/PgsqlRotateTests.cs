using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.EndToEnd;
using Milter.IntegrationTests.Handler;
using Npgsql;
using Xunit.Abstractions;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// Issue 10, key rotation with the KeyTable and SigningTable in PostgreSQL: <c>dkim-milter rotate</c> adds the new
/// key's row, switches the SigningTable rows only once the record is published (a loopback DNS server) and matches,
/// and a daemon already running signs with the new selector through rotate's NOTIFY alone (no trigger, no reload,
/// a 300 s cache); dkimpy verifies. The old key's row leaves only after its grace period. Both KeyTable layouts
/// (three data columns with the key inline; one column naming a key file) and a SigningTable signer are covered, and
/// a KeyTable file with a SigningTable in the database is refused.
/// </summary>
[Collection("PostgreSql")] // one cluster at a time
public sealed partial class PgsqlRotateTests(PostgresCluster cluster, ITestOutputHelper log) : IClassFixture<PostgresCluster>, IAsyncLifetime
{
    private static readonly TimeSpan NotificationBound = TimeSpan.FromSeconds(5);
    private LoopbackDnsServer? _dns;

    private LoopbackDnsServer Dns => _dns!;

    public async Task InitializeAsync() => _dns = await LoopbackDnsServer.StartAsync();

    public async Task DisposeAsync() => await Dns.DisposeAsync();

    [Fact]
    public async Task A_running_daemon_signs_with_the_new_inline_key_once_published_without_reload()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false); // only rotate's own NOTIFY can tell the daemon
        await rig.AddDomainAsync("example.com", "old");
        string settings = $"Nameservers {Dns.NameserversValue}\nDNSTimeout 2\n";
        var (daemon, port) = await rig.StartDaemonAsync(settings);
        string config = rig.WriteConfig(port, settings);
        await AssertSignedAsync(rig.Keys, port, "old", "B1");

        // 1. The new row, inline as the old key is; the record to publish; nothing signs with it yet.
        var (status, output) = await RotateAsync(config, "-s", "next");
        Assert.True(status == 0, output);
        Assert.Contains("publish this record in the example.com zone:", output, StringComparison.Ordinal);
        var newRow = Assert.Single(await QueryAsync(rig.Database, "SELECT domain, selector, key FROM keys WHERE name = 'next._domainkey.example.com'"));
        Assert.Equal(["example.com", "next"], newRow[..2]);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", newRow[2], StringComparison.Ordinal);
        Assert.Equal(["example.com"], (await QueryAsync(rig.Database, "SELECT keyname FROM signing")).Select(row => row[0]));
        var state = Assert.Single(await QueryAsync(rig.Database, "SELECT key_table, new_key, old_key, keep_until FROM dkim_milter_rotation"));
        Assert.Equal(["keys", "next._domainkey.example.com", "example.com", ""], state);
        string record = PrintedRecord(output);
        Assert.StartsWith("v=DKIM1; h=sha256; k=rsa; p=", record, StringComparison.Ordinal);

        // 2. Not published, then published with another key: not switched (75), the daemon keeps the old key.
        (status, output) = await RotateAsync(config);
        Assert.True(status == 75, output);
        Assert.Contains("not switched", output, StringComparison.Ordinal);
        Assert.Equal(record, PrintedRecord(output)); // the record is printed again, made from the key in the row
        Dns.SetKeyRecord("next", "example.com", TestKeys.RsaRecord);
        (status, output) = await RotateAsync(config);
        Assert.True(status == 75, output);
        Assert.Contains("keys do not match", output, StringComparison.Ordinal);
        Assert.Equal(["example.com"], (await QueryAsync(rig.Database, "SELECT keyname FROM signing")).Select(row => row[0]));
        await AssertSignedAsync(rig.Keys, port, "old", "B2");

        // 3. Published right: the SigningTable row moves and the running daemon follows (TTL 300 s: only NOTIFY).
        Dns.SetKeyRecord("next", "example.com", record);
        (status, output) = await RotateAsync(config);
        Assert.True(status == 0, output);
        Assert.Contains("switched: 1 SigningTable entry", output, StringComparison.Ordinal);
        Assert.Contains("NOTIFY dkim_milter", output, StringComparison.Ordinal);
        Assert.Contains("keep the record at old._domainkey.example.com published until", output, StringComparison.Ordinal);
        Assert.Equal(["next._domainkey.example.com"], (await QueryAsync(rig.Database, "SELECT keyname FROM signing")).Select(row => row[0]));
        await PgsqlRig.WaitUntilSignedWithAsync(port, "alice@example.com", "next", NotificationBound);
        var keys = rig.Keys.Append(new DkimKey("next", "example.com", "", record)).ToList();
        await AssertSignedAsync(keys, port, "next", "B3");

        // 4. Retiring before the grace period (7 days) is refused; the old row stays.
        (status, output) = await RotateAsync(config, "--retire");
        Assert.True(status == 75, output);
        Assert.Contains("grace period runs until", output, StringComparison.Ordinal);
        Assert.Single(await QueryAsync(rig.Database, "SELECT 1 FROM keys WHERE name = 'example.com'"));

        Assert.Equal(0, await daemon.StopAsync(PgsqlRig.StopTimeout));
        Assert.DoesNotContain("configuration reloaded", daemon.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_one_column_KeyTable_naming_an_Ed25519_key_file_rotates_and_retires_after_the_grace_period()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: true);
        string keys = Directory.CreateDirectory(Path.Combine(rig.Directory, "keys")).FullName;
        string oldKey = (await DkimKey.GenerateEd25519Async(keys, "sel1", "example.org")).PrivateKeyPath;
        await cluster.ExecuteAsync(rig.Database, """
            CREATE TABLE dkimkeys (id text PRIMARY KEY, entry text NOT NULL);
            CREATE TABLE rules (sender text PRIMARY KEY, target text NOT NULL);
            CREATE TRIGGER dkimkeys_notify AFTER INSERT OR UPDATE OR DELETE ON dkimkeys FOR EACH ROW EXECUTE FUNCTION dkim_milter_notify('id');
            CREATE TRIGGER rules_notify AFTER INSERT OR UPDATE OR DELETE ON rules FOR EACH ROW EXECUTE FUNCTION dkim_milter_notify('sender');
            INSERT INTO rules VALUES ('example.org', 'k1:@example.org'), ('news.example.org', 'K1'), ('example.net', 'k10');
            """);
        await cluster.ExecuteAsync(rig.Database, "INSERT INTO dkimkeys VALUES ('k1', @entry), ('k10', 'example.net:x:/nonexistent')", ("entry", $"example.org:sel1:{oldKey}"));
        string dsn = $"dsn:pgsql://postgres@{cluster.Port.ToString(CultureInfo.InvariantCulture)}+127.0.0.1/{rig.Database}";
        string config = Path.Combine(rig.Directory, "rotate.conf");
        File.WriteAllText(config,
            $"KeyTable {dsn}/table=dkimkeys?keycol=id?datacol=entry\n" +
            $"SigningTable {dsn}/table=rules?keycol=sender?datacol=target\n" +
            $"Nameservers {Dns.NameserversValue}\nDNSTimeout 2\n");

        var (status, output) = await RotateAsync(config, "-d", "example.org", "-s", "sel2");
        Assert.True(status == 0, output);
        string newKey = Path.Combine(keys, "sel2.private");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(newKey));
        Assert.Contains($"copy {newKey} to every host", output, StringComparison.Ordinal);
        Assert.Equal([$"example.org:sel2:{newKey}"], (await QueryAsync(rig.Database, "SELECT entry FROM dkimkeys WHERE id = 'sel2._domainkey.example.org'")).Select(row => row[0]));

        string record = string.Concat(Quoted().Matches(File.ReadAllText(Path.Combine(keys, "sel2.txt"))).Select(match => match.Groups[1].Value));
        Assert.StartsWith("v=DKIM1; h=sha256; k=ed25519; p=", record, StringComparison.Ordinal); // the old key's type
        Dns.SetKeyRecord("sel2", "example.org", record);
        (status, output) = await RotateAsync(config, "-d", "example.org", "--grace", "0");
        Assert.True(status == 0, output);
        Assert.Contains("switched: 2 SigningTable entries", output, StringComparison.Ordinal);
        Assert.Equal(
            ["example.net=k10", "example.org=sel2._domainkey.example.org:@example.org", "news.example.org=sel2._domainkey.example.org"],
            (await QueryAsync(rig.Database, "SELECT sender || '=' || target FROM rules ORDER BY sender")).Select(row => row[0]));

        (status, output) = await RotateAsync(config, "-d", "example.org", "--retire");
        Assert.True(status == 0, output);
        Assert.Contains($"delete the TXT record at sel1._domainkey.example.org; the key file {oldKey} is no longer used", output, StringComparison.Ordinal);
        Assert.Equal(["k10", "sel2._domainkey.example.org"], (await QueryAsync(rig.Database, "SELECT id FROM dkimkeys ORDER BY id")).Select(row => row[0]));
        Assert.Empty(await QueryAsync(rig.Database, "SELECT 1 FROM dkim_milter_rotation"));
        Assert.Equal("nothing to retire", (await RotateAsync(config, "-d", "example.org", "--retire")).Output.Trim());
    }

    [Fact]
    public async Task A_KeyTable_file_with_a_SigningTable_in_the_database_is_refused()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await rig.AddDomainAsync("example.com", "old", inlineKey: false);
        string keyTable = Path.Combine(rig.Directory, "KeyTable");
        File.WriteAllText(keyTable, $"example.com example.com:old:{rig.Keys.Single().PrivateKeyPath}\n");
        string config = Path.Combine(rig.Directory, "mixed.conf");
        File.WriteAllLines(config, File.ReadAllLines(rig.WriteConfig(1))
            .Select(line => line.StartsWith("KeyTable ", StringComparison.Ordinal) ? $"KeyTable file:{keyTable}" : line));

        var (status, output) = await RotateAsync(config);

        Assert.True(status == 78, output);
        Assert.Contains("rotate cannot work on a SigningTable in a database and a KeyTable in a file", output, StringComparison.Ordinal);
        Assert.Contains("put both tables in the database", output, StringComparison.Ordinal);
        Assert.Equal($"example.com example.com:old:{rig.Keys.Single().PrivateKeyPath}\n", File.ReadAllText(keyTable));
    }

    [Fact]
    public async Task A_user_with_the_documented_privileges_can_rotate_and_one_without_changes_nothing()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await rig.AddDomainAsync("example.com", "old");
        // The key inline as base64 DER, without PEM armour: the new key is to be stored the same way.
        await cluster.ExecuteAsync(rig.Database, "UPDATE keys SET key = regexp_replace(key, '-----[^-]*-----|\\s', '', 'g')");
        string role = "admin_" + rig.Database;
        await cluster.ExecuteAsync(rig.Database, $"CREATE ROLE {role} LOGIN; GRANT SELECT, INSERT, DELETE ON keys TO {role}; GRANT SELECT, UPDATE ON signing TO {role}");
        string config = Path.Combine(rig.Directory, "admin.conf");
        File.WriteAllText(config, File.ReadAllText(rig.WriteConfig(1)).Replace("pgsql://postgres@", $"pgsql://{role}@", StringComparison.Ordinal));

        // PostgreSQL 15 and later: no CREATE on schema public for other users, so no state table; the row is not added either.
        var (status, output) = await RotateAsync(config, "-s", "next");
        Assert.True(status == 78, output);
        Assert.Contains("42501", output, StringComparison.Ordinal);
        Assert.Contains("CREATE on the schema if dkim_milter_rotation is not there yet (see docs/TOOLS.md, rotate)", output, StringComparison.Ordinal);
        Assert.Empty(await QueryAsync(rig.Database, "SELECT 1 FROM keys WHERE name = 'next._domainkey.example.com'"));

        // The SQL docs/TOOLS.md gives to create the state table in advance, run by the database's owner.
        string docs = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "TOOLS.md"));
        var block = Regex.Match(docs, "```sql\n(CREATE TABLE dkim_milter_rotation.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "docs/TOOLS.md has no sql block creating dkim_milter_rotation");
        await cluster.ExecuteAsync(rig.Database, block.Groups[1].Value.Replace("dkim_admin", role, StringComparison.Ordinal));

        (status, output) = await RotateAsync(config, "-s", "next");
        Assert.True(status == 0, output);
        var newKey = Assert.Single(await QueryAsync(rig.Database, "SELECT key FROM keys WHERE name = 'next._domainkey.example.com'"))[0];
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(newKey), out _);
        Assert.Equal(2048, rsa.KeySize);
    }

    [Fact]
    public async Task An_unreachable_database_is_exit_69()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        int deadPort = Postfix.FreePort.Pick();
        string config = Path.Combine(rig.Directory, "dead.conf");
        File.WriteAllText(config, File.ReadAllText(rig.WriteConfig(1)).Replace($"{cluster.Port.ToString(CultureInfo.InvariantCulture)}+", $"{deadPort.ToString(CultureInfo.InvariantCulture)}+", StringComparison.Ordinal));

        var (status, output) = await RotateAsync(config);

        Assert.True(status == 69, output);
        Assert.Contains($"pgsql://postgres@127.0.0.1:{deadPort.ToString(CultureInfo.InvariantCulture)}/{rig.Database}: cannot connect: database unreachable", output, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>dkim-milter rotate -x CONFIG</c> (with -d example.com unless given); what it printed goes to the test log too.</summary>
    private async Task<(int ExitCode, string Output)> RotateAsync(string config, params string[] arguments)
    {
        string[] command = ["rotate", "-x", config, .. arguments.Contains("-d") ? arguments : ["-d", "example.com", .. arguments]];
        var result = await DaemonProcess.RunAsync(command);
        log.WriteLine($"$ dkim-milter {string.Join(' ', command)}\n{result.Output}(exit {result.ExitCode.ToString(CultureInfo.InvariantCulture)})");
        return result;
    }

    /// <summary>Sends as alice@example.com and asserts a signature with s=<paramref name="selector"/> that dkimpy verifies against <paramref name="keys"/>.</summary>
    private static async Task AssertSignedAsync(IEnumerable<DkimKey> keys, int port, string selector, string queueId)
    {
        var (_, message, signature) = await PgsqlRig.SendAsync(port, "alice@example.com", queueId);
        Assert.NotNull(signature);
        Assert.Contains($"s={selector};", signature, StringComparison.Ordinal);
        var verdict = Assert.Single((await DkimpyVerifier.VerifyAsync(keys, [message]))[0]);
        Assert.True(verdict.Pass, verdict.Error);
    }

    /// <summary>The record rotate printed (zone-file form): its quoted strings joined.</summary>
    private static string PrintedRecord(string output) =>
        string.Concat(Quoted().Matches(output).Select(match => match.Groups[1].Value));

    /// <summary>Every row of <paramref name="sql"/>, each column as text (NULL as "").</summary>
    private async Task<List<string[]>> QueryAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!)]);
        }

        return rows;
    }

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex Quoted();
}
