using Xunit.Abstractions;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// KeyTable and SigningTable in PostgreSQL (dsn:pgsql://, OpenDKIM's syntax) read by the real daemon, its
/// signatures verified by dkimpy: domains in the table are signed (key inline in the row or a file it names),
/// a domain added while running is signed within the cache TTL without any notification, a key rotated in the
/// table is used at once through LISTEN/NOTIFY, two daemons share one database, and SoftStart decides whether
/// the daemon starts without the database. The outage is <see cref="PgsqlOutageTests"/>.
/// </summary>
[Collection("PostgreSql")] // one at a time: each class runs its own cluster, and the timing assertions need the cores
public sealed class PgsqlTableTests(PostgresCluster cluster, ITestOutputHelper output) : IClassFixture<PostgresCluster>
{
    private static readonly TimeSpan NotificationBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Domains_in_the_table_are_signed_and_verify_others_are_not()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await rig.AddDomainAsync("example.com", "pg1");
        await rig.AddDomainAsync("example.org", "file1", inlineKey: false);
        var (daemon, port) = await rig.StartDaemonAsync();

        await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "pg1", "Q1");
        await rig.AssertSignedAsync(port, "bob@Example.ORG", "example.org", "file1", "Q2");
        await rig.AssertSignedAsync(port, "carol@example.com", "example.com", "pg1", "Q3");
        var (final, _, signature) = await PgsqlRig.SendAsync(port, "dave@example.net", "Q4");
        Assert.Null(signature);
        Assert.True(final.Code is ReplyCode.Continue or ReplyCode.Accept, final.ToString());
        Assert.Equal(0, await daemon.StopAsync(PgsqlRig.StopTimeout));
        Assert.DoesNotContain("unreachable", daemon.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_domain_added_while_running_is_signed_within_the_refresh_bound()
    {
        // No trigger: only the periodic refresh (DatabaseCacheTTL 2) can bring the new row in.
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        await rig.AddDomainAsync("example.com", "pg1");
        var (_, port) = await rig.StartDaemonAsync("DatabaseCacheTTL 2\n");
        var (_, _, before) = await PgsqlRig.SendAsync(port, "new@example.net", "A1");
        Assert.Null(before); // cached as "not in the table"

        await rig.AddDomainAsync("example.net", "added");
        // The bound is TTL + TTL/2 (3 s); the margin is for a loaded machine (2 shared cores, tests in parallel).
        var took = await PgsqlRig.WaitUntilSignedWithAsync(port, "new@example.net", "added", TimeSpan.FromSeconds(10));
        output.WriteLine($"a domain added without notification was signed after {took.TotalSeconds:F1} s (DatabaseCacheTTL 2)");
        Assert.True(took < TimeSpan.FromSeconds(6), $"{took.TotalSeconds:F1} s"); // a look-up blocking the socket thread once took 7 s
        await rig.AssertSignedAsync(port, "new@example.net", "example.net", "added", "A2");
    }

    [Fact]
    public async Task A_key_rotated_in_the_table_is_used_at_once_through_notify()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: true);
        await rig.AddDomainAsync("example.com", "old");
        var (_, port) = await rig.StartDaemonAsync(); // TTL 300 s: only the notification can do it
        await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "old", "R1");

        await rig.RotateAsync("example.com", "new");
        await PgsqlRig.WaitUntilSignedWithAsync(port, "alice@example.com", "new", NotificationBound);
        await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "new", "R2");

        // A domain added is heard the same way (its "not in the table" entry is read again).
        var (_, _, unsigned) = await PgsqlRig.SendAsync(port, "x@example.net", "R3");
        Assert.Null(unsigned);
        await rig.AddDomainAsync("example.net", "net1");
        await PgsqlRig.WaitUntilSignedWithAsync(port, "x@example.net", "net1", NotificationBound);
    }

    [Fact]
    public async Task Two_daemons_share_one_database()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: true);
        await rig.AddDomainAsync("example.com", "shared");
        var (first, firstPort) = await rig.StartDaemonAsync();
        var (second, secondPort) = await rig.StartDaemonAsync();

        await rig.AssertSignedAsync(firstPort, "alice@example.com", "example.com", "shared", "T1");
        await rig.AssertSignedAsync(secondPort, "alice@example.com", "example.com", "shared", "T2");
        await rig.RotateAsync("example.com", "rotated");
        await PgsqlRig.WaitUntilSignedWithAsync(firstPort, "alice@example.com", "rotated", NotificationBound);
        await PgsqlRig.WaitUntilSignedWithAsync(secondPort, "alice@example.com", "rotated", NotificationBound);
        await rig.AssertSignedAsync(firstPort, "bob@example.com", "example.com", "rotated", "T3");
        await rig.AssertSignedAsync(secondPort, "bob@example.com", "example.com", "rotated", "T4");
        Assert.Equal(0, await first.StopAsync(PgsqlRig.StopTimeout));
        Assert.Equal(0, await second.StopAsync(PgsqlRig.StopTimeout));
    }

    [Fact]
    public async Task InternalHosts_from_the_database_decides_which_clients_are_signed_for()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: true);
        await rig.AddDomainAsync("example.com", "pg1");
        await cluster.ExecuteAsync(rig.Database, """
            CREATE TABLE hosts (host text PRIMARY KEY);
            INSERT INTO hosts VALUES ('10.0.0.0/8');
            CREATE TRIGGER hosts_notify AFTER INSERT OR UPDATE OR DELETE ON hosts FOR EACH ROW EXECUTE FUNCTION dkim_milter_notify('host');
            """);
        string dsn = $"dsn:pgsql://postgres@{cluster.Port}+127.0.0.1/{rig.Database}/table=hosts?keycol=host?datacol=host";
        var (_, port) = await rig.StartDaemonAsync($"InternalHosts {dsn}\n");

        // The test client is 127.0.0.1: not internal, so verified, not signed.
        var (_, _, unsigned) = await PgsqlRig.SendAsync(port, "alice@example.com", "H1");
        Assert.Null(unsigned);

        await cluster.ExecuteAsync(rig.Database, "INSERT INTO hosts VALUES ('127.0.0.0/8')");
        await PgsqlRig.WaitUntilSignedWithAsync(port, "alice@example.com", "pg1", NotificationBound);
        await rig.AssertSignedAsync(port, "alice@example.com", "example.com", "pg1", "H2");

        // An exclusion of the address itself is more precise than the /8.
        await cluster.ExecuteAsync(rig.Database, "INSERT INTO hosts VALUES ('!127.0.0.1')");
        var deadline = DateTime.UtcNow + NotificationBound;
        string? signature = "";
        for (int i = 0; signature is not null && DateTime.UtcNow < deadline; i++)
        {
            (_, _, signature) = await PgsqlRig.SendAsync(port, "alice@example.com", $"H3{i}");
            await Task.Delay(100);
        }

        Assert.Null(signature);
    }

    [Fact]
    public async Task Without_the_database_the_daemon_refuses_to_start_unless_SoftStart()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: false);
        int deadPort = Postfix.FreePort.Pick();
        string config = File.ReadAllText(rig.WriteConfig(deadPort)).Replace($"{cluster.Port}+", $"{deadPort}+", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(rig.Directory, "dead.conf"), config);

        var (exitCode, output) = await Daemon.DaemonProcess.RunAsync("-x", Path.Combine(rig.Directory, "dead.conf"), "-n");
        Assert.Equal(78, exitCode);
        Assert.Contains("dead.conf: configuration error at line 2: KeyTable: pgsql://postgres@127.0.0.1:", output, StringComparison.Ordinal);
        Assert.Contains("unreachable", output, StringComparison.Ordinal);
        Assert.Contains("SoftStart yes", output, StringComparison.Ordinal);

        File.AppendAllText(Path.Combine(rig.Directory, "dead.conf"), "SoftStart yes\n");
        (exitCode, output) = await Daemon.DaemonProcess.RunAsync("-x", Path.Combine(rig.Directory, "dead.conf"), "-n");
        Assert.Equal(0, exitCode);
        Assert.Contains("SoftStart yes: starting without it", output, StringComparison.Ordinal);

        var bad = File.ReadAllText(Path.Combine(rig.Directory, "dead.conf")).Replace($"{deadPort}+", $"{cluster.Port}+", StringComparison.Ordinal).Replace("datacol=keyname", "datacol=nosuchcolumn", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(rig.Directory, "bad.conf"), bad);
        (exitCode, output) = await Daemon.DaemonProcess.RunAsync("-x", Path.Combine(rig.Directory, "bad.conf"), "-n");
        Assert.Equal(78, exitCode);
        Assert.Contains("bad.conf: configuration error at line 3: SigningTable:", output, StringComparison.Ordinal);
        Assert.Contains("nosuchcolumn", output, StringComparison.Ordinal);
    }
}
