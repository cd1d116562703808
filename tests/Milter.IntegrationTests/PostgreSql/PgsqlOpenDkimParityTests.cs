using System.Globalization;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Parity;
using Milter.IntegrationTests.Postfix;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// The drop-in promise for tables in PostgreSQL: one opendkim.conf with <c>dsn:pgsql://</c> KeyTable and SigningTable
/// lines, given unchanged to the real OpenDKIM 2.11 (through OpenDBX's pgsql backend, libopendbx1-pgsql) and to
/// dkim-milter, makes both sign each sender with the same d= and s=, both signatures verified by dkimpy; a sender
/// in no row is signed by neither; key case, integer key columns and a row naming no key are handled alike. Where
/// the two still differ (docs/OPERATIONS.md, "Compared with OpenDKIM"), the test shows the difference.
/// </summary>
[Collection("PostgreSql")] // one at a time: each class runs its own cluster
public sealed class PgsqlOpenDkimParityTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task Three_datacol_tables_with_the_port_before_the_host_sign_alike()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await rig.AddDomainAsync("example.com", "pg1"); // key inline in the row (PEM)
        await rig.AddDomainAsync("example.org", "file1", inlineKey: false); // the row names a key file
        // A user@domain row wins over the domain row in both (OpenDKIM asks user@domain first, then domain).
        await cluster.ExecuteAsync(rig.Database, "INSERT INTO signing VALUES ('alice@example.com', 'example.org')");

        string dsn = $"dsn:pgsql://postgres@{Port(cluster.Port)}+127.0.0.1/{rig.Database}";
        string config = WriteConfig(rig, "same", $"{dsn}/table=keys?keycol=name?datacol=domain,selector,key", $"{dsn}/table=signing?keycol=pattern?datacol=keyname");
        await using var both = await BothDaemons.StartAsync(config);

        foreach (int port in both.Ports)
        {
            await rig.AssertSignedAsync(port, "bob@example.com", "example.com", "pg1", $"A{port}");
            await rig.AssertSignedAsync(port, "alice@example.com", "example.org", "file1", $"B{port}");
            // Both look the domain up in lower case (OpenDKIM lower-cases the From domain before its queries).
            await rig.AssertSignedAsync(port, "carol@Example.ORG", "example.org", "file1", $"C{port}");
            await AssertUnsignedAsync(port, "dave@example.net", $"D{port}");
        }
    }

    [Fact]
    public async Task A_user_with_a_password_in_the_dsn_is_used_by_both()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await rig.AddDomainAsync("example.com", "pw1");
        // Without the right password this role is refused (scram-sha-256), so signing proves the password was sent.
        await cluster.CreatePasswordRoleAsync("dkimpw", "pw-Secret_1");
        await cluster.ExecuteAsync(rig.Database, "GRANT SELECT ON keys, signing TO dkimpw");

        string Dsn(string password) => $"dsn:pgsql://dkimpw:{password}@{Port(cluster.Port)}+127.0.0.1/{rig.Database}";
        string Config(string name, string password) =>
            WriteConfig(rig, name, $"{Dsn(password)}/table=keys?keycol=name?datacol=domain,selector,key", $"{Dsn(password)}/table=signing?keycol=pattern?datacol=keyname");

        await using (var both = await BothDaemons.StartAsync(Config("right", "pw-Secret_1")))
        {
            foreach (int port in both.Ports)
            {
                await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "pw1", $"P{port}");
            }
        }

        string wrong = Config("wrong", "pw-Wrong_1");
        var openDkim = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenDkimProcess.StartAsync(wrong, FreePort.Pick()));
        Assert.Contains("dkimf_db_open()", openDkim.Message, StringComparison.Ordinal);
        var (exitCode, output) = await DaemonProcess.RunAsync("-x", wrong, "-n");
        Assert.Equal(78, exitCode);
        Assert.Contains("password authentication failed for user \"dkimpw\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-Wrong_1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_one_datacol_KeyTable_is_refused_by_OpenDKIM_and_read_by_dkim_milter()
    {
        // OpenDKIM copies each datacol of a dsn row into one KeyTable field; a single "domain:selector:key" column
        // leaves selector and key empty, and its start-up walk of the SigningTable rejects the entry. dkim-milter
        // splits the joined value as a KeyTable file line, so this layout works here only (documented).
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await rig.AddDomainAsync("example.org", "one1", inlineKey: false);
        await cluster.ExecuteAsync(rig.Database, """
            CREATE TABLE keys1 (name text PRIMARY KEY, data text NOT NULL);
            INSERT INTO keys1 SELECT name, domain || ':' || selector || ':' || key FROM keys;
            """);
        string dsn = $"dsn:pgsql://postgres@{Port(cluster.Port)}+127.0.0.1/{rig.Database}";
        string config = WriteConfig(rig, "one", $"{dsn}/table=keys1?keycol=name?datacol=data", $"{dsn}/table=signing?keycol=pattern?datacol=keyname");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenDkimProcess.StartAsync(config, FreePort.Pick()));
        Assert.Contains("could not find valid key record \"example.org\" in KeyTable", refused.Message, StringComparison.Ordinal);

        int port = FreePort.Pick();
        await using var ours = await DaemonProcess.StartAsync("-x", config, "-f", "-p", Socket(port));
        await rig.AssertSignedAsync(port, "alice@example.org", "example.org", "one1", "O1");
    }

    [Fact]
    public async Task Key_case_integer_key_columns_and_a_row_naming_no_key_are_handled_alike()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await rig.AddDomainAsync("example.com", "dom1");
        await rig.AddDomainAsync("other.example", "oth1");
        await rig.AddDomainAsync("mixed.example", "mix1");
        // OpenDKIM's README.SQL layout: an integer id joins the SigningTable to the KeyTable.
        await cluster.ExecuteAsync(rig.Database, """
            CREATE TABLE keys2 (id integer PRIMARY KEY, domain text NOT NULL, selector text NOT NULL, key text NOT NULL);
            CREATE TABLE signing2 (pattern text PRIMARY KEY, keyid integer NOT NULL);
            INSERT INTO keys2 SELECT 1, domain, selector, key FROM keys WHERE name = 'example.com';
            INSERT INTO keys2 SELECT 2, domain, selector, key FROM keys WHERE name = 'other.example';
            INSERT INTO keys2 SELECT 3, domain, selector, key FROM keys WHERE name = 'mixed.example';
            INSERT INTO signing2 VALUES ('example.com', 1), ('alice@example.com', 2), ('mixed.example', 3);
            UPDATE keys SET name = 'Mixed.Example' WHERE name = 'mixed.example';
            UPDATE signing SET keyname = 'Mixed.Example' WHERE pattern = 'mixed.example';
            INSERT INTO signing VALUES ('alice@example.com', 'other.example');
            """);
        string dsn = $"dsn:pgsql://postgres@{Port(cluster.Port)}+127.0.0.1/{rig.Database}";
        string byId = WriteConfig(rig, "by-id", $"{dsn}/table=keys2?keycol=id?datacol=domain,selector,key", $"{dsn}/table=signing2?keycol=pattern?datacol=keyid");
        string byName = WriteConfig(rig, "by-name", $"{dsn}/table=keys?keycol=name?datacol=domain,selector,key", $"{dsn}/table=signing?keycol=pattern?datacol=keyname");

        await using (var both = await BothDaemons.StartAsync(byId))
        {
            foreach (int port in both.Ports)
            {
                await rig.AssertSignedAsync(port, "bob@example.com", "example.com", "dom1", $"I{port}");
                await rig.AssertSignedAsync(port, "alice@example.com", "other.example", "oth1", $"J{port}");
            }
        }

        await using (var both = await BothDaemons.StartAsync(byName))
        {
            // A key name with capitals is found as written, and a local part keeps its case: ALICE is not alice.
            foreach (int port in both.Ports)
            {
                await rig.AssertSignedAsync(port, "bob@mixed.example", "mixed.example", "mix1", $"K{port}");
                await rig.AssertSignedAsync(port, "ALICE@example.com", "example.com", "dom1", $"L{port}");
                await rig.AssertSignedAsync(port, "alice@example.com", "other.example", "oth1", $"M{port}");
            }

            // A row naming a key that is not in the KeyTable, added while both run: that sender's mail is tempfailed.
            await cluster.ExecuteAsync(rig.Database, "INSERT INTO signing VALUES ('broken.example', 'no-such-key')");
            foreach (int port in both.Ports)
            {
                var (final, _, signature) = await PgsqlRig.SendAsync(port, "carol@broken.example", $"N{port}");
                Assert.Null(signature);
                // OpenDKIM answers TEMPFAIL; dkim-milter a 451 with the reason (On-InternalError's tempfail).
                Assert.True(final.Code == ReplyCode.TempFail || final is ReplyWithCodeReply { Text: ['4', ..] }, $"port {port}: {final}");
            }
        }
    }

    [Theory]
    [InlineData("table=keys&keycol=name&datacol=domain,selector,key", "port+", "not '&'")]
    [InlineData("table=keys?keycol=name?datacol=domain,selector,key", "host:port", "write the port before the host")]
    public async Task Dsn_lines_OpenDKIM_refuses_are_refused_here_too(string parameters, string portForm, string ourProblem)
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        string server = portForm == "port+" ? $"{Port(cluster.Port)}+127.0.0.1" : $"127.0.0.1:{Port(cluster.Port)}";
        string dsn = $"dsn:pgsql://postgres@{server}/{rig.Database}";
        string config = WriteConfig(rig, "refused", $"{dsn}/{parameters}", $"{dsn}/table=signing?keycol=pattern?datacol=keyname");

        var openDkim = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenDkimProcess.StartAsync(config, FreePort.Pick()));
        Assert.Contains("dkimf_db_open(): Invalid argument", openDkim.Message, StringComparison.Ordinal);
        var (exitCode, output) = await DaemonProcess.RunAsync("-x", config, "-n");
        Assert.Equal(78, exitCode);
        Assert.Contains("configuration error at line", output, StringComparison.Ordinal);
        Assert.Contains(ourProblem, output, StringComparison.Ordinal);
    }

    private static async Task AssertUnsignedAsync(int port, string sender, string queueId)
    {
        var (final, _, signature) = await PgsqlRig.SendAsync(port, sender, queueId);
        Assert.Null(signature);
        Assert.True(final.Code is ReplyCode.Continue or ReplyCode.Accept, $"{sender} on port {port}: {final}");
    }

    /// <summary>
    /// One configuration for both programs: OpenDKIM listens on its Socket line, dkim-milter on <c>-p</c> (the file
    /// stays the same). <see cref="OpenDkimProcess.CommonSettings"/> are OpenDKIM's own options, which both read.
    /// </summary>
    private static string WriteConfig(PgsqlRig rig, string name, string keyTable, string signingTable)
    {
        string path = Path.Combine(rig.Directory, $"opendkim-{name}.conf");
        File.WriteAllText(path,
            $"Socket {Socket(FreePort.Pick())}\n" + OpenDkimProcess.CommonSettings +
            $"KeyTable {keyTable}\nSigningTable {signingTable}\n");
        return path;
    }

    private static string Socket(int port) => $"inet:{Port(port)}@127.0.0.1";

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The real OpenDKIM and dkim-milter started on the same configuration file; disposing stops both.</summary>
    private sealed class BothDaemons : IAsyncDisposable
    {
        private readonly OpenDkimProcess _openDkim;
        private readonly DaemonProcess _ours;
        private readonly int _oursPort;

        private BothDaemons(OpenDkimProcess openDkim, DaemonProcess ours, int oursPort)
        {
            _openDkim = openDkim;
            _ours = ours;
            _oursPort = oursPort;
        }

        /// <summary>OpenDKIM's port, then dkim-milter's.</summary>
        public IReadOnlyList<int> Ports => [_openDkim.Port, _oursPort];

        public static async Task<BothDaemons> StartAsync(string config)
        {
            string socket = File.ReadLines(config).First(line => line.StartsWith("Socket ", StringComparison.Ordinal));
            int openDkimPort = int.Parse(socket[(socket.IndexOf(':', StringComparison.Ordinal) + 1)..socket.IndexOf('@', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            var openDkim = await OpenDkimProcess.StartAsync(config, openDkimPort);
            try
            {
                int oursPort = FreePort.Pick();
                return new BothDaemons(openDkim, await DaemonProcess.StartAsync("-x", config, "-f", "-p", Socket(oursPort)), oursPort);
            }
            catch
            {
                await openDkim.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _ours.StopAsync(PgsqlRig.StopTimeout);
            }
            finally
            {
                await _ours.DisposeAsync();
                await _openDkim.DisposeAsync();
            }
        }
    }
}
