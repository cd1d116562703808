using System.Security.Cryptography;
using Milter.IntegrationTests.Postfix;
using static Milter.IntegrationTests.Doctor.DoctorRig;

namespace Milter.IntegrationTests.Doctor;

/// <summary>
/// <c>dkim-milter doctor</c>'s DNS part against the loopback DNS server: the KeyTable key's record right, of
/// another key, missing; SPF and DMARC missing and unparsable; and the configuration checks it makes on the way.
/// Postfix's side is right and the milter is not started (its probe error is not what these tests look at).
/// </summary>
public sealed class DoctorDnsTests : IAsyncLifetime
{
    private DoctorRig _rig = null!;
    private PostfixInstance _postfix = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _rig = await DoctorRig.CreateAsync();
        _port = FreePort.Pick();
        _postfix = await _rig.PostfixAsync(_port);
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Right_records_give_no_key_or_dns_findings()
    {
        var run = await Doctor();

        Assert.DoesNotContain(run.Findings, f => f.Area is "keys" or "dns" or "config");
    }

    [Fact]
    public async Task The_record_of_another_key_is_an_error_and_the_fix_is_this_keys_record()
    {
        using var other = RSA.Create(2048);
        _rig.Dns.SetKeyRecord(Selector, Domain, $"v=DKIM1; h=sha256; k=rsa; p={Convert.ToBase64String(other.ExportSubjectPublicKeyInfo())}");

        var run = await Doctor();

        var finding = run.Single("error", "keys", $"k1 ({Selector}._domainkey.{Domain})");
        Assert.StartsWith($"keys do not match: the record's p= is not the public half of {_rig.Key.PrivatePath}", finding.Message, StringComparison.Ordinal);
        Assert.Equal($"publish a TXT record at {Selector}._domainkey.{Domain}: \"v=DKIM1; h=sha256; k=rsa; p={_rig.Key.Record.PublicKey}\"", finding.Fix);
        Assert.Single(KeyAndDnsProblems(run));
    }

    [Fact]
    public async Task A_missing_key_record_is_an_error_and_the_fix_is_the_record_to_publish()
    {
        _rig.Dns.SetNxDomain($"{Selector}._domainkey.{Domain}");

        var run = await Doctor();

        var finding = run.Single("error", "keys", $"k1 ({Selector}._domainkey.{Domain})");
        Assert.StartsWith("record not found", finding.Message, StringComparison.Ordinal);
        Assert.Equal($"publish a TXT record at {Selector}._domainkey.{Domain}: \"v=DKIM1; h=sha256; k=rsa; p={_rig.Key.Record.PublicKey}\"", finding.Fix);
        Assert.Single(KeyAndDnsProblems(run));
    }

    [Fact]
    public async Task A_1024_bit_key_is_a_warning()
    {
        var small = await Tools.GeneratedKey.CreateAsync(Directory.CreateDirectory(Path.Combine(_rig.Directory, "small")).FullName, Domain, "small", "-b", "1024");
        _rig.Dns.SetTxt(small.RecordName, 300, [.. small.Record.Strings]);
        string keyTable = _rig.Write("KeyTable-small", $"k2 {Domain}:small:{small.PrivatePath}\n");
        string signingTable = _rig.Write("SigningTable-small", $"*@{Domain} k2\n");
        string config = _rig.Write("small.conf", $"Socket inet:{Port(_port)}@127.0.0.1\nMode sv\nKeyTable {keyTable}\nSigningTable refile:{signingTable}\nNameservers {_rig.Dns.NameserversValue}\n");

        var run = await DoctorRig.DoctorAsync(config, _postfix);

        var finding = run.Single("warning", "keys", $"k2 (small._domainkey.{Domain})");
        Assert.Equal("the RSA key is 1024 bits; RFC 8301 recommends 2048", finding.Message);
    }

    [Fact]
    public async Task Missing_SPF_and_DMARC_records_are_warnings_with_records_to_publish()
    {
        _rig.Dns.SetNoData(Domain);
        _rig.Dns.SetNxDomain($"_dmarc.{Domain}");

        var run = await Doctor();

        var spf = run.Single("warning", "dns", Domain);
        Assert.StartsWith("SPF: none", spf.Message, StringComparison.Ordinal);
        Assert.Equal($"publish a TXT record at {Domain}: \"v=spf1 mx -all\" (list every host that sends as {Domain})", spf.Fix);
        var dmarc = run.Single("warning", "dns", $"_dmarc.{Domain}");
        Assert.StartsWith("DMARC: none", dmarc.Message, StringComparison.Ordinal);
        Assert.StartsWith($"publish a TXT record at _dmarc.{Domain}: \"v=DMARC1; p=none; rua=mailto:postmaster@{Domain}\"", dmarc.Fix, StringComparison.Ordinal);
        Assert.Equal(2, KeyAndDnsProblems(run).Count);
    }

    [Fact]
    public async Task Unparsable_SPF_and_DMARC_records_are_errors()
    {
        _rig.Dns.SetTxt(Domain, 300, "v=spf1 ip4:192.0.2.0/24 bogus:x -all");
        _rig.Dns.SetTxt($"_dmarc.{Domain}", 300, "v=DMARC1; p=maybe");

        var run = await Doctor();

        Assert.Contains("does not parse: unknown mechanism 'bogus:x'", run.Single("error", "dns", Domain).Message, StringComparison.Ordinal);
        Assert.Contains("does not parse: p=maybe is not none, quarantine or reject", run.Single("error", "dns", $"_dmarc.{Domain}").Message, StringComparison.Ordinal);
        Assert.Equal(2, KeyAndDnsProblems(run).Count);
    }

    [Fact]
    public async Task Rsa_sha1_and_a_key_readable_by_others_are_reported_in_the_configuration()
    {
        File.SetUnixFileMode(_rig.Key.PrivatePath, (UnixFileMode)0b110_100_100);
        string config = _rig.Config($"inet:{Port(_port)}@127.0.0.1", "SignatureAlgorithm rsa-sha1", "RequireSafeKeys no");

        var run = await DoctorRig.DoctorAsync(config, _postfix);

        var sha1 = run.Findings.Single(f => f.Severity == "error" && f.Area == "config" && f.Message.StartsWith("SignatureAlgorithm rsa-sha1", StringComparison.Ordinal));
        Assert.Equal($"write in {config}: SignatureAlgorithm rsa-sha256", sha1.Fix);
        var readable = run.Single("warning", "keys", _rig.Key.PrivatePath);
        Assert.StartsWith("the key can be read by other users", readable.Message, StringComparison.Ordinal);
        Assert.Equal($"chmod o-rwx {_rig.Key.PrivatePath}", readable.Fix);
    }

    [Fact]
    public async Task Signing_without_any_key_is_an_error()
    {
        string config = _rig.Write("nokeys.conf", $"Socket inet:{Port(_port)}@127.0.0.1\nMode s\nNameservers {_rig.Dns.NameserversValue}\n");

        var run = await DoctorRig.DoctorAsync(config, _postfix);

        var finding = run.Single("error", "config", "KeyTable");
        Assert.StartsWith($"{config} signs (Mode s) but names no key", finding.Message, StringComparison.Ordinal);
        Assert.StartsWith($"write in {config}: KeyTable refile:", finding.Fix, StringComparison.Ordinal);
    }

    private Task<DoctorRun> Doctor() => DoctorRig.DoctorAsync(_rig.Config($"inet:{Port(_port)}@127.0.0.1"), _postfix);

    private static List<DoctorJsonFinding> KeyAndDnsProblems(DoctorRun run) => run.Problems.Where(f => f.Area is "keys" or "dns").ToList();
}
