using System.Text.RegularExpressions;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.Handler;
using Milter.IntegrationTests.Operations;

namespace Milter.IntegrationTests.Tools;

/// <summary>
/// Issue 10, key rotation with files: <c>dkim-milter rotate</c> against the real daemon and a loopback DNS server.
/// The new key signs only once its record is published and matches; the running daemon switches at the reload
/// rotate sends it; the old key leaves the KeyTable only after its grace period.
/// </summary>
public sealed partial class RotateTests : IAsyncLifetime, IDisposable
{
    private const string Domain = "example.com";
    private const string NewKey = "next._domainkey.example.com";
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(30);
    private readonly OperationsRig _rig = new();
    private LoopbackDnsServer? _dns;

    private LoopbackDnsServer Dns => _dns!;

    public async Task InitializeAsync() => _dns = await LoopbackDnsServer.StartAsync();

    public async Task DisposeAsync() => await Dns.DisposeAsync();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task The_new_key_signs_only_once_published_and_the_old_one_stays_for_its_grace_period()
    {
        var (daemon, port) = await _rig.StartOnFreePortAsync(p => $"inet:{p}@127.0.0.1", Settings());
        var endPoint = OperationsRig.Loopback(port);
        Assert.Equal("mail", await OperationsRig.SignAsync(endPoint));

        // 1. The key and the record to publish; nothing signs with it yet.
        var (status, output) = await RotateAsync("-s", "next");
        Assert.True(status == 0, output);
        Assert.Contains("publish this record", output, StringComparison.Ordinal);
        Assert.Contains("next._domainkey", output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_rig.Path("next.private")));
        Assert.Contains($"{NewKey} {Domain}:next:{_rig.Path("next.private")}", File.ReadAllText(_rig.Path("KeyTable")), StringComparison.Ordinal);
        Assert.DoesNotContain(NewKey, File.ReadAllText(_rig.Path("SigningTable")), StringComparison.Ordinal);

        // 2. Not published, then published with another key: not switched, "not yet" (75).
        (status, output) = await RotateAsync();
        Assert.True(status == 75, output);
        Assert.Contains("not switched", output, StringComparison.Ordinal);
        Dns.SetKeyRecord("next", Domain, TestKeys.RsaRecord);
        (status, output) = await RotateAsync();
        Assert.True(status == 75, output);
        Assert.Contains("keys do not match", output, StringComparison.Ordinal);
        Assert.Equal("mail", await OperationsRig.SignAsync(endPoint));

        // 3. Published right: the SigningTable moves, the daemon reloads and signs with the new selector.
        Dns.SetKeyRecord("next", Domain, PublishedRecord("next"));
        (status, output) = await RotateAsync();
        Assert.True(status == 0, output);
        Assert.Contains("switched: 1 SigningTable entry", output, StringComparison.Ordinal);
        Assert.Contains("told to reload", output, StringComparison.Ordinal);
        Assert.Contains("keep the record at mail._domainkey.example.com published until", output, StringComparison.Ordinal);
        await daemon.WaitForOutputAsync("configuration reloaded", ReloadTimeout);
        Assert.Equal("next", await OperationsRig.SignAsync(endPoint));

        // 4. Retiring the old key before its grace period is over is refused; the old key stays in the KeyTable.
        (status, output) = await RotateAsync("--retire");
        Assert.True(status == 75, output);
        Assert.Contains("grace period runs until", output, StringComparison.Ordinal);
        Assert.Contains("mail._domainkey.example.com example.com:mail:", File.ReadAllText(_rig.Path("KeyTable")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_grace_period_retire_removes_the_old_key_and_names_the_record_to_delete()
    {
        _rig.WriteConfig("inet:1@127.0.0.1", Settings());
        Assert.Equal(0, (await RotateAsync("-s", "next")).ExitCode);
        Dns.SetKeyRecord("next", Domain, PublishedRecord("next"));
        var (status, output) = await RotateAsync("--grace", "0");
        Assert.True(status == 0, output);
        Assert.Contains("reload the daemon now", output, StringComparison.Ordinal); // no daemon running

        (status, output) = await RotateAsync("--retire");

        Assert.True(status == 0, output);
        Assert.Contains("delete the TXT record at mail._domainkey.example.com", output, StringComparison.Ordinal);
        string keyTable = File.ReadAllText(_rig.Path("KeyTable"));
        Assert.DoesNotContain("mail._domainkey.example.com", keyTable, StringComparison.Ordinal);
        Assert.DoesNotContain("# dkim-milter rotate:", keyTable, StringComparison.Ordinal);
        Assert.Contains(NewKey, keyTable, StringComparison.Ordinal);
        Assert.Equal("nothing to retire", (await RotateAsync("--retire")).Output.Trim());
    }

    [Fact]
    public async Task A_domain_the_SigningTable_does_not_sign_has_nothing_to_rotate()
    {
        _rig.WriteConfig("inet:1@127.0.0.1", Settings());

        var (status, output) = await RotateAsync("-d", "example.org");

        Assert.Equal(1, status);
        Assert.Contains("nothing to rotate", output, StringComparison.Ordinal);
    }

    private string Settings() => $"PidFile {_rig.Path("dkim-milter.pid")}\nNameservers {Dns.NameserversValue}\nDNSTimeout 2\n";

    private Task<(int ExitCode, string Output)> RotateAsync(params string[] arguments) =>
        DaemonProcess.RunAsync(["rotate", "-x", _rig.ConfigPath, .. arguments.Contains("-d") ? arguments : ["-d", Domain, .. arguments]]);

    /// <summary>The record rotate wrote beside the key (zone-file form): its quoted strings joined.</summary>
    private string PublishedRecord(string selector) =>
        string.Concat(Quoted().Matches(File.ReadAllText(_rig.Path(selector + ".txt"))).Select(match => match.Groups[1].Value));

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex Quoted();
}
