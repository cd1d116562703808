using System.Security.Cryptography;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Tools;

/// <summary>
/// <c>dkim-milter testkey</c> (the real executable) against the loopback DNS server, named in the configuration's
/// Nameservers: keys made by <c>dkim-milter genkey</c> and published from their .txt, then every way a published
/// key can be wrong, whole-KeyTable runs, and the SPF and DMARC lines.
/// </summary>
public sealed class TestkeyTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-testkey-").FullName;
    private LoopbackDnsServer _dns = null!;

    public async Task InitializeAsync() => _dns = await LoopbackDnsServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _dns.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("rsa", "key OK (rsa, 2048 bits)")]
    [InlineData("ed25519", "key OK (ed25519, 256 bits)")]
    public async Task A_generated_key_published_from_its_txt_file_is_OK(string type, string verdict)
    {
        var key = await Generate("example.com", "sel", "--type", type);
        Publish(key);

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"sel._domainkey.example.com: {verdict}\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("dkim-milter testkey: 1 key checked: 1 OK, 0 with problems\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public async Task Without_k_the_private_key_comes_from_the_configurations_KeyTable()
    {
        var key = await Generate("example.com", "sel");
        Publish(key);
        string config = Config($"KeyTable {KeyTable($"k1 example.com:sel:{key.PrivatePath}")}");

        var result = await Testkey("-x", config, "-d", "example.com", "-s", "sel");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("k1 (sel._domainkey.example.com): key OK (rsa, 2048 bits)\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_any_private_key_only_the_record_is_checked_and_said_so()
    {
        var key = await Generate("example.com", "sel");
        Publish(key);

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("sel._domainkey.example.com: record OK (no private key given to compare it with", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_record_of_another_key_is_keys_do_not_match()
    {
        var key = await Generate("example.com", "sel");
        using var other = RSA.Create(2048);
        _dns.SetKeyRecord("sel", "example.com", $"v=DKIM1; h=sha256; k=rsa; p={Convert.ToBase64String(other.ExportSubjectPublicKeyInfo())}");

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"sel._domainkey.example.com: keys do not match: the record's p= is not the public half of {key.PrivatePath} (record: rsa 2048 bits; private key: rsa 2048 bits)\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("key OK", result.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("1 key checked: 0 OK, 1 with problems\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LoopbackDnsBehaviour.NxDomain, "record not found (NXDOMAIN for sel._domainkey.example.com)")]
    [InlineData(LoopbackDnsBehaviour.NoData, "record not found (no TXT record for sel._domainkey.example.com)")]
    public async Task A_missing_record_is_record_not_found(LoopbackDnsBehaviour behaviour, string expected)
    {
        var key = await Generate("example.com", "sel");
        if (behaviour == LoopbackDnsBehaviour.NoData)
        {
            _dns.SetNoData("sel._domainkey.example.com");
        }

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"sel._domainkey.example.com: {expected}", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_p_is_key_revoked()
    {
        var key = await Generate("example.com", "sel");
        _dns.SetKeyRecord("sel", "example.com", "v=DKIM1; k=rsa; p=");

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("sel._domainkey.example.com: key revoked: the record's p= is empty", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_a_DNS_error_within_DNSTimeout_and_exit_75()
    {
        var key = await Generate("example.com", "sel");
        _dns.SetNoAnswer("sel._domainkey.example.com");

        var started = DateTime.UtcNow;
        var result = await Testkey("-x", Config(timeoutSeconds: 1), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.Equal(75, result.ExitCode);
        Assert.Contains("sel._domainkey.example.com: DNS error: timed out after 1 s", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1 key checked: 0 OK, 0 with problems, 1 not known (DNS errors)", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "the look-up was not bounded by DNSTimeout");
    }

    [Fact]
    public async Task SERVFAIL_is_a_DNS_error_naming_the_server()
    {
        var key = await Generate("example.com", "sel");
        _dns.SetServFail("sel._domainkey.example.com");

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.Equal(75, result.ExitCode);
        Assert.Contains($"sel._domainkey.example.com: DNS error: SERVFAIL from {_dns.EndPoint}", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_Ed25519_key_published_without_k_is_a_k_type_mismatch_with_the_fix()
    {
        var key = await Generate("example.com", "ed", "--type", "ed25519");
        _dns.SetKeyRecord("ed", "example.com", $"v=DKIM1; p={key.Record.PublicKey}");

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "ed", "-k", key.PrivatePath);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ed._domainkey.example.com: k= type mismatch: the record is k=rsa (no k= tag: rsa is the default) but p= holds an Ed25519 key, this private key's: write k=ed25519\n",
            result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_Ed25519_record_for_an_RSA_private_key_is_a_k_type_mismatch()
    {
        var rsa = await Generate("example.com", "sel");
        var ed = await Generate("example.com", "ed", "--type", "ed25519");
        _dns.SetTxt("sel._domainkey.example.com", 300, [.. ed.Record.Strings]);

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", rsa.PrivatePath);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("sel._domainkey.example.com: k= type mismatch: the record is k=ed25519, the private key is rsa\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v=DKIM1; k=rsa; p=!!not-base64!!", "record does not parse: p= is not valid base64")]
    [InlineData("v=DKIM1; k=rsa; k=rsa; p=KEY", "record does not parse: key record syntax error: duplicate tag 'k'")]
    [InlineData("v=DKIM1; k=dsa; p=QUJDRA==", "record does not parse: inappropriate key algorithm (k=dsa)")]
    [InlineData("v=DKIM1; k=dsa; p=KEY", "k= type mismatch: the record is k=dsa but p= holds an RSA key, this private key's: write k=rsa")]
    [InlineData("v=DKIM1; k=rsa", "record does not parse: key record has no p= tag")]
    [InlineData("v=DKIM2; p=KEY", "record does not parse: unknown key version v=DKIM2")]
    [InlineData("k=rsa; v=DKIM1; p=KEY", "record does not parse: v= is not the first tag of the key record")]
    [InlineData("v=DKIM1; s=tlsrpt; p=KEY", "record does not parse: not an e-mail key (s=tlsrpt)")]
    [InlineData("v=DKIM1; h=sha1; p=KEY", "h=sha1 does not allow sha256")]
    [InlineData("v=DKIM1; k=rsa; p=QUJDRA==", "record does not parse: p= is not DER-encoded key data")]
    public async Task A_record_that_cannot_be_used_is_reported_with_the_tag_at_fault(string record, string expected)
    {
        var key = await Generate("example.com", "sel");
        _dns.SetKeyRecord("sel", "example.com", record.Replace("KEY", key.Record.PublicKey, StringComparison.Ordinal));

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"sel._domainkey.example.com: {expected}", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Testing_mode_is_noted_and_the_key_is_still_OK()
    {
        var key = await Generate("example.com", "sel", "-t", "-S");
        Publish(key);

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("sel._domainkey.example.com: key OK (rsa, 2048 bits)\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("sel._domainkey.example.com: note: t=y: the domain says it is testing DKIM", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("sel._domainkey.example.com: note: t=s:", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_512_bit_key_is_too_small_and_a_1024_bit_key_gets_a_warning()
    {
        string small = Path.Combine(_directory, "small.private");
        string medium = Path.Combine(_directory, "medium.private");
        await OpenSsl("genrsa", "-out", small, "512");
        await OpenSsl("genrsa", "-out", medium, "1024");
        _dns.SetKeyRecord("small", "example.com", $"v=DKIM1; k=rsa; p={Convert.ToBase64String(await OpenSslPublicKeyAsync(small))}");
        _dns.SetKeyRecord("medium", "example.com", $"v=DKIM1; k=rsa; p={Convert.ToBase64String(await OpenSslPublicKeyAsync(medium))}");

        var smallRecord = await Testkey("-x", Config(), "-d", "example.com", "-s", "small");
        var smallKey = await Testkey("-x", Config(), "-d", "example.com", "-s", "small", "-k", small);
        var mediumKey = await Testkey("-x", Config(), "-d", "example.com", "-s", "medium", "-k", medium);

        Assert.Equal(1, smallRecord.ExitCode);
        Assert.Contains("small._domainkey.example.com: key too small: the published key is 512 bits; verifiers refuse RSA keys under 1024 bits", smallRecord.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, smallKey.ExitCode);
        Assert.Contains($"small._domainkey.example.com: private key unusable: {small}: RSA key of 512 bits is too small to sign with", smallKey.StandardOutput, StringComparison.Ordinal);
        Assert.True(mediumKey.ExitCode == 0, mediumKey.ToString());
        Assert.Contains("medium._domainkey.example.com: key OK (rsa, 1024 bits)", mediumKey.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("medium._domainkey.example.com: warning: the RSA key is 1024 bits; RFC 8301 recommends 2048", mediumKey.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_records_at_the_name_are_warned_about()
    {
        var key = await Generate("example.com", "sel");
        _dns.AddTxt("sel._domainkey.example.com", 300, [.. key.Record.Strings]);
        _dns.AddTxt("sel._domainkey.example.com", 300, "v=DKIM1; k=rsa; p=");

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("sel._domainkey.example.com: warning: 2 TXT records at sel._domainkey.example.com: verifiers may use any of them", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_world_readable_key_file_is_warned_about_with_the_fix()
    {
        var key = await Generate("example.com", "sel");
        Publish(key);
        File.SetUnixFileMode(key.PrivatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"sel._domainkey.example.com: warning: {key.PrivatePath}: the key can be read by other users (fix: chmod o-rwx {key.PrivatePath}", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_x_alone_every_KeyTable_key_is_tested_and_reported_by_domain()
    {
        var rsa = await Generate("example.com", "rsa");
        var ed = await Generate("example.com", "ed", "--type", "ed25519");
        var wrong = await Generate("example.org", "wrong");
        var missing = await Generate("example.net", "gone");
        var any = await Generate("example.com", "any");
        Publish(rsa);
        Publish(ed);
        _dns.SetTxt("wrong._domainkey.example.org", 300, [.. rsa.Record.Strings]);
        string keyTable = KeyTable(
            $"rsa._domainkey.example.com example.com:rsa:{rsa.PrivatePath}",
            $"ed-key example.com:ed:{ed.PrivatePath}",
            $"wrong._domainkey.example.org example.org:wrong:{wrong.PrivatePath}",
            $"gone._domainkey.example.net example.net:gone:{missing.PrivatePath}",
            $"any-domain %:any:{any.PrivatePath}");

        var result = await Testkey("-x", Config($"KeyTable {keyTable}"));

        Assert.Equal(1, result.ExitCode);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            "rsa._domainkey.example.com: key OK (rsa, 2048 bits)",
            "ed-key (ed._domainkey.example.com): key OK (ed25519, 256 bits)",
            "example.com: SPF: none (NXDOMAIN at example.com)",
            "_dmarc.example.com: DMARC: none (NXDOMAIN); receivers fall back to the organizational domain's record, if any",
            $"wrong._domainkey.example.org: keys do not match: the record's p= is not the public half of {wrong.PrivatePath} (record: rsa 2048 bits; private key: rsa 2048 bits)",
            "example.org: SPF: none (NXDOMAIN at example.org)",
            "_dmarc.example.org: DMARC: none (NXDOMAIN); receivers fall back to the organizational domain's record, if any",
            "gone._domainkey.example.net: record not found (NXDOMAIN for gone._domainkey.example.net): publish the key's record there",
            "example.net: SPF: none (NXDOMAIN at example.net)",
            "_dmarc.example.net: DMARC: none (NXDOMAIN); receivers fall back to the organizational domain's record, if any",
            $"any-domain: skipped: the domain is % (each sender's own); test it for a domain with -d DOMAIN -s any -k {any.PrivatePath}",
            "dkim-milter testkey: 4 keys checked: 2 OK, 2 with problems, 1 skipped",
        ], lines);
    }

    [Fact]
    public async Task With_x_alone_and_every_key_published_the_exit_status_is_0()
    {
        var rsa = await Generate("example.com", "rsa");
        var ed = await Generate("example.com", "ed", "--type", "ed25519");
        Publish(rsa);
        Publish(ed);
        string config = Config($"KeyTable {KeyTable($"rsa._domainkey.example.com example.com:rsa:{rsa.PrivatePath}", $"ed._domainkey.example.com example.com:ed:{ed.PrivatePath}")}");

        var result = await Testkey("-x", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith("dkim-milter testkey: 2 keys checked: 2 OK, 0 with problems\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_single_KeyFile_is_tested_for_each_Domain()
    {
        var key = await Generate("example.com", "mail");
        Publish(key);
        _dns.SetTxt("mail._domainkey.example.org", 300, [.. key.Record.Strings]);
        string config = Config("Domain example.com,example.org", $"KeyFile {key.PrivatePath}", "Selector mail");

        var result = await Testkey("-x", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("mail._domainkey.example.com: key OK (rsa, 2048 bits)\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("mail._domainkey.example.org: key OK (rsa, 2048 bits)\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("2 keys checked: 2 OK, 0 with problems", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_KeyTable_line_is_reported_with_its_line_and_exit_78_while_the_other_keys_are_tested()
    {
        var key = await Generate("example.com", "sel");
        Publish(key);
        string keyTable = KeyTable($"sel._domainkey.example.com example.com:sel:{key.PrivatePath}", "broken example.com");

        var result = await Testkey("-x", Config($"KeyTable {keyTable}"));

        Assert.Equal(78, result.ExitCode);
        Assert.Contains($"{keyTable}: configuration error at line 2: KeyTable entry 'broken' is not domain:selector:keypath", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("sel._domainkey.example.com: key OK", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "v=spf1 mx -all" }, "example.com: SPF: \"v=spf1 mx -all\": one record, ends in -all (fail: mail from hosts not listed is to be rejected)")]
    [InlineData(new[] { "v=spf1 include:_spf.example.net ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all" }, "ends in ~all (softfail: mail from hosts not listed is suspect)")]
    [InlineData(new[] { "v=spf1 a ?all" }, "ends in ?all (neutral")]
    [InlineData(new[] { "v=spf1 +all" }, "ends in +all (pass: ANY host may send as this domain")]
    [InlineData(new[] { "v=spf1 -all mx" }, "ends in -all (fail: mail from hosts not listed is to be rejected); the terms after it are never used")]
    [InlineData(new[] { "v=spf1 mx" }, "one record, but no 'all' mechanism: hosts not listed get neutral")]
    [InlineData(new[] { "v=spf1 redirect=_spf.example.net" }, "no 'all' mechanism: redirect=_spf.example.net decides")]
    [InlineData(new[] { "v=spf1 mx -all", "v=spf1 a -all" }, "example.com: SPF: 2 records start with v=spf1: receivers treat that as a permanent error")]
    [InlineData(new[] { "v=spf1 mx foo -all" }, "does not parse: unknown mechanism 'foo'")]
    [InlineData(new[] { "v=spf1 ip4:300.1.1.1 -all" }, "does not parse: 'ip4:300.1.1.1' is not an ip4 network")]
    [InlineData(new[] { "google-site-verification=abc" }, "example.com: SPF: none (no TXT record at example.com starts with v=spf1)")]
    [InlineData(new string[0], "example.com: SPF: none (NXDOMAIN at example.com)")]
    public async Task The_domains_SPF_record_is_described_without_changing_the_exit_status(string[] records, string expected)
    {
        var key = await Generate("example.com", "sel");
        Publish(key);
        foreach (var record in records)
        {
            _dns.AddTxt("example.com", 300, record);
        }

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(expected, result.StandardOutput, StringComparison.Ordinal);
        Assert.Single(result.StandardOutput.Split('\n'), line => line.StartsWith("example.com: SPF: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "v=DMARC1; p=reject" }, "_dmarc.example.com: DMARC: p=reject (failing mail is rejected)\n")]
    [InlineData(new[] { "v=DMARC1; p=none; rua=mailto:dmarc@example.com" }, "_dmarc.example.com: DMARC: p=none (monitoring only)\n")]
    [InlineData(new[] { "v=DMARC1; p=quarantine; pct=50; adkim=s; sp=reject" }, "DMARC: p=quarantine (failing mail goes to spam); sp=reject for subdomains; pct=50: applied to that share of failing mail; adkim=s: DKIM passes DMARC only with d= exactly the From domain\n")]
    [InlineData(new[] { "v=DMARC1; p=bogus" }, "_dmarc.example.com: DMARC: \"v=DMARC1; p=bogus\" does not parse: p=bogus is not none, quarantine or reject")]
    [InlineData(new[] { "v=DMARC1; rua=mailto:dmarc@example.com" }, "does not parse: no p= tag")]
    [InlineData(new[] { "v=DMARC1; p=reject; p=none" }, "does not parse: duplicate tag 'p'")]
    [InlineData(new[] { "p=reject; v=DMARC1" }, "DMARC: none (no TXT record there starts with v=DMARC1)")]
    [InlineData(new[] { "v=DMARC1; p=reject", "v=DMARC1; p=none" }, "DMARC: 2 records start with v=DMARC1: receivers apply none of them")]
    [InlineData(new string[0], "_dmarc.example.com: DMARC: none (NXDOMAIN)")]
    public async Task The_domains_DMARC_record_is_described_without_changing_the_exit_status(string[] records, string expected)
    {
        var key = await Generate("example.com", "sel");
        Publish(key);
        foreach (var record in records)
        {
            _dns.AddTxt("_dmarc.example.com", 300, record);
        }

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(expected, result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_DNS_error_for_SPF_or_DMARC_is_information_only()
    {
        var key = await Generate("example.com", "sel");
        Publish(key);
        _dns.SetServFail("example.com");
        _dns.SetNoAnswer("_dmarc.example.com");

        var result = await Testkey("-x", Config(timeoutSeconds: 1), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"example.com: SPF: not known: DNS error (SERVFAIL from {_dns.EndPoint})", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("_dmarc.example.com: DMARC: not known: DNS error (timed out after 1 s)", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_shows_the_servers_the_record_and_the_key()
    {
        var key = await Generate("example.com", "sel");
        Publish(key);

        var result = await Testkey("-x", Config(), "-d", "example.com", "-s", "sel", "-k", key.PrivatePath, "-v");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"asking {_dns.EndPoint}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"sel._domainkey.example.com: record: {key.Record.RecordText}\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"sel._domainkey.example.com: private key {key.PrivatePath}: rsa, 2048 bits\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-d needs -s SELECTOR too", "-d", "example.com")]
    [InlineData("-s needs -d DOMAIN too", "-s", "sel")]
    [InlineData("-k needs -d DOMAIN and -s SELECTOR", "-k", "/tmp/x.private")]
    [InlineData("unknown option -q", "-q")]
    public async Task Bad_command_lines_exit_64(string reason, params string[] args)
    {
        var result = await Testkey(args);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains(reason, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configuration_that_cannot_be_read_exits_78()
    {
        string missing = Path.Combine(_directory, "missing.conf");
        var unreadable = await Testkey("-x", missing);
        var badNameservers = await Testkey("-x", WriteFile("bad.conf", "Nameservers 10\n"), "-d", "example.com", "-s", "sel");

        Assert.Equal(78, unreadable.ExitCode);
        Assert.Contains(missing, unreadable.StandardError, StringComparison.Ordinal);
        Assert.Equal(78, badNameservers.ExitCode);
        Assert.Contains("Nameservers entry \"10\" is not valid", badNameservers.StandardError, StringComparison.Ordinal);
    }

    private static Task<ProcessResult> Testkey(params string[] args) => ToolProcess.RunAsync(["testkey", .. args]);

    private Task<GeneratedKey> Generate(string domain, string selector, params string[] extra)
    {
        string directory = Directory.CreateDirectory(Path.Combine(_directory, domain)).FullName;
        return GeneratedKey.CreateAsync(directory, domain, selector, extra);
    }

    // The record as a name server loading the .txt would serve it: the file's strings, as they are.
    private void Publish(GeneratedKey key) => _dns.SetTxt(key.RecordName, 300, [.. key.Record.Strings]);

    private string Config(params string[] lines) => Config(5, lines);

    private string Config(int timeoutSeconds, params string[] lines) =>
        WriteFile($"opendkim-{Guid.NewGuid():N}.conf", string.Join('\n', [$"Nameservers {_dns.NameserversValue}", $"DNSTimeout {timeoutSeconds}", .. lines, ""]));

    private string KeyTable(params string[] lines) => WriteFile($"KeyTable-{Guid.NewGuid():N}", string.Join('\n', [.. lines, ""]));

    private string WriteFile(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task OpenSsl(params string[] args)
    {
        var result = await ToolProcess.RunProgramAsync("/usr/bin/openssl", args);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static async Task<byte[]> OpenSslPublicKeyAsync(string privateKey)
    {
        string output = privateKey + ".der";
        await OpenSsl("pkey", "-in", privateKey, "-pubout", "-outform", "DER", "-out", output);
        return await File.ReadAllBytesAsync(output);
    }
}
