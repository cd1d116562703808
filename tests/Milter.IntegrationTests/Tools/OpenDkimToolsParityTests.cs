using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.MilterTest;
using Milter.IntegrationTests.Parity;
using Milter.IntegrationTests.Postfix;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Tools;

/// <summary>
/// The real OpenDKIM tools (Debian's opendkim-tools 2.11) and ours agree: opendkim-testkey accepts the RSA keys
/// <c>dkim-milter genkey</c> writes with their .txt record published, and our testkey accepts the keys
/// opendkim-genkey writes; both say "keys do not match" for the record of another key. The real opendkim signs
/// with our RSA and Ed25519 key files and the KeyTable and SigningTable lines genkey prints, and dkimpy verifies
/// its signatures against our .txt records. opendkim-testkey asks the
/// loopback DNS server through its libunbound (ResolverConfiguration with a forward-addr, since its Nameservers
/// takes no port), as the inbound parity tests run OpenDKIM.
/// </summary>
public sealed class OpenDkimToolsParityTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-tools-parity-").FullName;
    private LoopbackDnsServer _dns = null!;

    public async Task InitializeAsync() => _dns = await LoopbackDnsServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _dns.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData]
    [InlineData("-b", "1024", "-r", "-t")]
    [InlineData("-b", "4096", "-S", "-n", "rotated 2024")]
    public async Task Opendkim_testkey_accepts_our_RSA_key_and_record(params string[] extra)
    {
        var key = await GeneratedKey.CreateAsync(_directory, "example.com", "sel", extra);
        _dns.SetTxt(key.RecordName, 300, [.. key.Record.Strings]);

        var theirs = await OpenDkimTestkey("-d", "example.com", "-s", "sel", "-k", key.PrivatePath);
        var ours = await ToolProcess.RunAsync("testkey", "-x", OurConfig(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.True(theirs.ExitCode == 0, theirs.ToString());
        Assert.Contains("key OK", theirs.StandardOutput + theirs.StandardError, StringComparison.Ordinal);
        Assert.True(ours.ExitCode == 0, ours.ToString());
    }

    [Fact]
    public async Task Our_testkey_accepts_opendkim_genkeys_key_and_record()
    {
        var generated = await ToolProcess.RunProgramAsync("/usr/sbin/opendkim-genkey", "-D", _directory, "-d", "example.org", "-s", "theirs", "-r");
        Assert.True(generated.ExitCode == 0, generated.ToString());
        var record = ZoneFileRecord.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, "theirs.txt")));
        _dns.SetTxt("theirs._domainkey.example.org", 300, [.. record.Strings]);
        string key = Path.Combine(_directory, "theirs.private");

        var ours = await ToolProcess.RunAsync("testkey", "-x", OurConfig(), "-d", "example.org", "-s", "theirs", "-k", key);
        var theirs = await OpenDkimTestkey("-d", "example.org", "-s", "theirs", "-k", key);

        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Contains("theirs._domainkey.example.org: key OK (rsa, 2048 bits)", ours.StandardOutput, StringComparison.Ordinal);
        Assert.True(theirs.ExitCode == 0, theirs.ToString());
    }

    [Fact]
    public async Task Both_say_keys_do_not_match_for_another_keys_record()
    {
        var key = await GeneratedKey.CreateAsync(_directory, "example.com", "sel");
        using var other = RSA.Create(2048);
        _dns.SetKeyRecord("sel", "example.com", $"v=DKIM1; k=rsa; p={Convert.ToBase64String(other.ExportSubjectPublicKeyInfo())}");

        var theirs = await OpenDkimTestkey("-d", "example.com", "-s", "sel", "-k", key.PrivatePath);
        var ours = await ToolProcess.RunAsync("testkey", "-x", OurConfig(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.NotEqual(0, theirs.ExitCode);
        Assert.Contains("keys do not match", theirs.StandardOutput + theirs.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, ours.ExitCode);
        Assert.Contains("keys do not match", ours.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rsa", "rsa-sha256")]
    [InlineData("ed25519", "ed25519-sha256")]
    public async Task The_real_opendkim_signs_with_our_key_files_and_dkimpy_verifies_against_our_record(string type, string algorithm)
    {
        var key = await GeneratedKey.CreateAsync(_directory, "example.com", "sel", "--type", type);
        var lines = key.Output.Split('\n');
        string keyTable = Path.Combine(_directory, "KeyTable");
        string signingTable = Path.Combine(_directory, "SigningTable");
        await File.WriteAllLinesAsync(keyTable, lines.Where(l => l.StartsWith("sel.", StringComparison.Ordinal)));
        await File.WriteAllLinesAsync(signingTable, lines.Where(l => l.StartsWith("*@", StringComparison.Ordinal)));
        int port = FreePort.Pick();
        string config = Path.Combine(_directory, "opendkim.conf");
        await File.WriteAllTextAsync(config, $"""
            Socket              inet:{port.ToString(CultureInfo.InvariantCulture)}@127.0.0.1
            KeyTable            {keyTable}
            SigningTable        refile:{signingTable}
            SignatureAlgorithm  {algorithm}
            Canonicalization    relaxed/relaxed
            {OpenDkimProcess.CommonSettings}
            """);

        ProcessResult run;
        await using (var openDkim = await OpenDkimProcess.StartAsync(config, port))
        {
            run = await MilterTestRunner.RunAsync(
                Path.Combine(AppContext.BaseDirectory, "Tools", "opendkim_sign.lua"),
                new Dictionary<string, string> { ["socket"] = $"inet:{port.ToString(CultureInfo.InvariantCulture)}@127.0.0.1" });
            Assert.True(run.ExitCode == 0, $"{run}\n--- opendkim ---\n{openDkim.Output}");
        }

        string field = run.StandardOutput.TrimEnd('\n').Replace("\n", "\r\n", StringComparison.Ordinal);
        Assert.StartsWith("DKIM-Signature:", field, StringComparison.Ordinal);
        Assert.Contains($"a={algorithm};", field, StringComparison.Ordinal);
        byte[] signed = Encoding.ASCII.GetBytes(field + "\r\nFrom: alice@example.com\r\nTo: bob@example.net\r\nSubject: genkey\r\n\r\nHello.\r\n");
        var verdict = await DkimpyKeyCheck.VerifyAsync(signed, "sel", "example.com", key.Record.RecordText);
        Assert.True(verdict.Verified, $"dkimpy: {verdict.Error}\n{field}");
    }

    private Task<ProcessResult> OpenDkimTestkey(params string[] args) =>
        ToolProcess.RunProgramAsync("/usr/sbin/opendkim-testkey", ["-x", TheirConfig(), "-vvv", .. args]);

    private string OurConfig()
    {
        string path = Path.Combine(_directory, "ours.conf");
        File.WriteAllText(path, $"Nameservers {_dns.NameserversValue}\nDNSTimeout 5\n");
        return path;
    }

    private string TheirConfig()
    {
        string unbound = Path.Combine(_directory, "unbound.conf");
        File.WriteAllText(unbound, string.Join('\n',
            "server:",
            " do-not-query-localhost: no",
            "forward-zone:",
            " name: \".\"",
            $" forward-addr: 127.0.0.1@{_dns.Port.ToString(CultureInfo.InvariantCulture)}",
            ""));
        string path = Path.Combine(_directory, "theirs.conf");
        File.WriteAllText(path, $"ResolverConfiguration {unbound}\n");
        return path;
    }
}
