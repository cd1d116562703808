using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Configuration.Messages;
using Milter.Configuration.Options;
using Milter.Configuration.Policy;
using Milter.Daemon.Dkim;
using Milter.Daemon.Startup;
using Milter.Dkim;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Keys;
using Milter.Dkim.Verification;
using Milter.IntegrationTests.Handler;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.Daemon;

/// <summary>
/// Every option this build claims to implement (<see cref="ImplementedOptions"/>) is set, to a value other than
/// its default, in one of two configurations (single-key mode and KeyTable mode do not mix), read without any
/// diagnostic, and shown to act: through <see cref="DaemonSettings"/>, the <see cref="DkimFilter"/>'s settings
/// and decisions, or a message through the milter handler. An option listed there that nothing here can
/// observe is a claim without a feature.
/// </summary>
public sealed class ImplementedOptionsTests : IDisposable
{
    // KeyTable mode: signing from InternalHosts, verification of everything else.
    private const string TablesConfig = """
        Socket inet6:8891@[::1]
        Include {dir}/logging.conf
        Background no
        PidFile {dir}/dkim.pid
        UMask 0027
        UserID nobody:nogroup
        BaseDirectory {dir}
        KeyTable refile:{dir}/KeyTable
        SigningTable refile:{dir}/SigningTable
        MultipleSignatures yes
        RequireSafeKeys no
        Canonicalization relaxed/relaxed
        SignHeaders From,To,Subject,X-Mailer
        OmitHeaders *,+To
        OversignHeaders From
        SignatureTTL 3600
        MaximumSignedBytes 10
        RemoveOldSignatures yes
        SenderHeaders Sender,From
        InternalHosts 192.0.2.0/24
        ExternalIgnoreList 198.51.100.7
        PeerList 203.0.113.9
        MTA submission
        MacroList milter_local=yes
        ExemptDomains exempt.example
        DontSignMailTo nosign@example.net
        AlwaysAddARHeader yes
        AuthservID test.example
        KeepAuthResults yes
        RemoveARAll yes
        RemoveARFrom .example.org
        ClockDrift 60
        MaximumSignaturesToVerify 2
        MaximumHeaders 100000
        MinimumKeyBits 2048
        LogResults yes
        On-BadSignature reject
        On-DNSError tempfail
        On-InternalError reject
        On-KeyNotFound discard
        On-NoSignature quarantine
        On-SignatureError reject
        On-Security discard
        DNSTimeout 3
        Nameservers 127.0.0.1
        ConnectionIdleTimeout 600
        MessageIdleTimeout 900
        MaximumConnections 250
        MetricsSocket inet:9464@localhost
        SoftStart yes
        DatabaseCacheSize 5000
        DatabaseCacheTTL 60

        """;

    private const string LoggingConfig = "Syslog yes\nSyslogSuccess yes\nSyslogFacility local3\nSyslogName dkim-test\nLogWhy yes\n";

    // Single-key mode: one Ed25519 KeyFile for example.org and its subdomains; sign only.
    private const string SingleKeyConfig = """
        Domain example.org
        KeyFile {dir}/ed25519.private
        Selector ed
        SubDomains yes
        SignatureAlgorithm ed25519-sha256
        Mode s
        On-Default reject

        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("milter-options-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public ImplementedOptionsTests()
    {
        TestKeys.WriteFiles(_directory);
        // World-readable: only RequireSafeKeys no lets the KeyTable configuration use it.
        File.SetUnixFileMode(Path.Combine(_directory, TestKeys.RsaFile), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.WriteAllText(Path.Combine(_directory, "KeyTable"), HandlerRig.DefaultKeyTable.Replace("{dir}", _directory, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(_directory, "SigningTable"), "*@example.com mail._domainkey.example.com\n*@example.com ed._domainkey.example.com\n");
        File.WriteAllText(Path.Combine(_directory, "logging.conf"), LoggingConfig);
        File.WriteAllText(TablesPath, Expand(TablesConfig));
        File.WriteAllText(SingleKeyPath, Expand(SingleKeyConfig));
    }

    private string TablesPath => Path.Combine(_directory, "opendkim.conf");

    private string SingleKeyPath => Path.Combine(_directory, "single-key.conf");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Every_implemented_option_is_set_and_read_without_a_diagnostic()
    {
        var tables = ConfigFileParser.Load(TablesPath);
        var singleKey = ConfigFileParser.Load(SingleKeyPath);
        var set = tables.Entries.Keys.Concat(singleKey.Entries.Keys).ToHashSet(StringComparer.OrdinalIgnoreCase);

        // Include is consumed by the parser: its lines arrive as the included file's entries.
        Assert.Equal(Path.Combine(_directory, "logging.conf"), tables.Find("SyslogName")!.File);
        Assert.All(ImplementedOptions.Names.Where(name => name != "Include"), name => Assert.Contains(name, set));
        Assert.All(set, name => Assert.Contains(name, ImplementedOptions.Names));
        foreach (var config in new[] { tables, singleKey })
        {
            Assert.Empty(OptionValidator.Validate(config));
            Assert.Empty(StartupChecks.Run(config, out _));
            var diagnostics = new List<ConfigDiagnostic>();
            using var filter = DkimFilter.Build(config, new FakeKeyResolver(), diagnostics);
            Assert.Empty(diagnostics);
        }
    }

    [Fact]
    public void Socket_Include_Background_process_Syslog_DNS_and_connection_options_reach_the_daemon_settings()
    {
        var config = ConfigFileParser.Load(TablesPath);

        var settings = DaemonSettings.From(config, CommandLine.Parse(["-x", TablesPath]));
        StartupChecks.Run(config, out var dns);

        Assert.Equal(SocketSpec.Parse("inet6:8891@[::1]"), settings.Socket);
        Assert.Equal(Path.Combine(_directory, "dkim.pid"), settings.PidFile);
        Assert.Equal(Convert.ToUInt32("027", 8), settings.UMask);
        Assert.Equal("nobody:nogroup", settings.UserId);
        Assert.Equal(_directory, settings.BaseDirectory);
        Assert.True(settings.Syslog);
        Assert.Equal("local3", settings.SyslogFacility);
        Assert.Equal("dkim-test", settings.SyslogName);
        Assert.False(settings.Background);
        Assert.Equal(TimeSpan.FromSeconds(3), dns.Timeout);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 53), Assert.Single(dns.Nameservers));
        var server = settings.Connections.ToServerOptions();
        Assert.Equal(TimeSpan.FromSeconds(600), server.Session.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(900), server.Session.MessageIdleTimeout);
        Assert.Equal(250, server.MaxConnections);
        // The listener itself is started and scraped in Metrics/MetricsEndpointTests.
        Assert.Equal(new global::Milter.Daemon.Metrics.MetricsEndpoint("127.0.0.1", 9464), global::Milter.Daemon.Metrics.MetricsEndpoint.From(config));
    }

    [Fact]
    public void Settings_objects_hold_every_value()
    {
        using var filter = Build(TablesPath);

        Assert.Equal(new Canonicalizations(CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Relaxed), filter.Signing.Canonicalization);
        Assert.Equal(["From", "To", "Subject", "X-Mailer"], filter.Signing.SignedHeaders);
        Assert.Contains("To", filter.Signing.OmittedHeaders);
        Assert.Equal(["From"], filter.Signing.OversignedHeaders);
        Assert.Equal(TimeSpan.FromHours(1), filter.Signing.SignatureLifetime);
        Assert.Equal(10, filter.Signing.MaximumSignedBytes);
        Assert.True(filter.Signing.RemoveOldSignatures);
        // The dsn: table caches (SoftStart acts only when a dsn: table's database is down: PostgreSql/PgsqlTableTests).
        Assert.Equal(5000, global::Milter.Configuration.Datasets.PostgreSql.PgsqlServer.CacheSize);
        Assert.Equal(TimeSpan.FromSeconds(60), global::Milter.Configuration.Datasets.PostgreSql.PgsqlServer.CacheTtl);
        Assert.Equal(["Sender", "From"], filter.Signing.SenderHeaders);
        Assert.True(filter.Policy.MultipleSignatures);
        Assert.Equal(2, filter.Policy.KeyTable!.Entries.Count);
        Assert.Equal(2, filter.Policy.SigningTable!.Entries.Count);

        Assert.Equal("test.example", filter.Verification.AuthservId);
        Assert.True(filter.Verification.AlwaysAddResultsToUnsigned);
        Assert.True(filter.Verification.KeepAuthResults);
        Assert.True(filter.Verification.RemoveAllAuthResults);
        Assert.True(filter.Verification.RemovesFrom("mx.example.org"));
        Assert.False(filter.Verification.RemovesFrom("mx.example.net"));
        Assert.Equal((2, 2048, TimeSpan.FromSeconds(60)),
            (filter.Verifier.Options.MaximumSignatures, filter.Verifier.Options.MinimumKeyBits, filter.Verifier.Options.ClockDrift));
        Assert.True(filter.LogWhy);
        Assert.True(filter.LogSuccess);
        Assert.True(filter.LogResults);

        Assert.Equal(new FailureHandling
        {
            BadSignature = FailureAction.Reject,
            DnsError = FailureAction.TempFail,
            InternalError = FailureAction.Reject,
            KeyNotFound = FailureAction.Discard,
            NoSignature = FailureAction.Quarantine,
            SignatureError = FailureAction.Reject,
            Security = FailureAction.Discard,
        }, filter.Failures);
        Assert.Equal(100_000, filter.Limits.MaximumHeaderBytes);
    }

    [Fact]
    public void Peer_and_sender_lists_decide_sign_verify_or_nothing()
    {
        using var filter = Build(TablesPath);
        PolicyDecision Decide(string sender, string client, string? macro = null, string? value = null, string recipient = "<bob@example.net>") =>
            filter.Policy.Decide(new MessageFacts(sender, IPAddress.Parse(client), null, name => name == macro ? value : null, [recipient]));

        // InternalHosts replaces the loopback default; MultipleSignatures gives both keys.
        var internalClient = Decide("alice@example.com", "192.0.2.10");
        Assert.Equal(PolicyAction.Sign, internalClient.Action);
        Assert.Equal(["mail", "ed"], internalClient.Keys.Select(key => key.Key.Selector));
        Assert.Equal(PolicyAction.Verify, Decide("alice@example.com", "127.0.0.1").Action);
        Assert.Equal(PolicyAction.Nothing, Decide("alice@example.com", "203.0.113.9").Action);
        Assert.Equal(PolicyAction.Nothing, Decide("x@exempt.example", "192.0.2.10").Action);
        Assert.Equal(PolicyAction.Nothing, Decide("alice@example.com", "192.0.2.10", recipient: "<nosign@example.net>").Action);
        Assert.Equal(PolicyAction.Sign, Decide("alice@example.com", "198.51.100.20", "daemon_name", "submission").Action);
        Assert.Equal(PolicyAction.Verify, Decide("alice@example.com", "198.51.100.20", "daemon_name", "smtpd").Action);
        Assert.Equal(PolicyAction.Sign, Decide("alice@example.com", "198.51.100.20", "milter_local", "yes").Action);
        Assert.Equal(PolicyAction.Verify, Decide("alice@example.com", "198.51.100.20", "milter_local", "no").Action);
        Assert.False(Decide("alice@example.com", "198.51.100.7").ExternalSenderOfOurDomain);
        Assert.True(Decide("alice@example.com", "198.51.100.8").ExternalSenderOfOurDomain);
    }

    [Fact]
    public async Task Signing_options_shape_the_signatures_on_a_message()
    {
        await using var rig = HandlerRig.Serve(ConfigFileParser.Load(TablesPath), time: _time);
        await using var mta = await rig.ConnectAsync("192.0.2.10", "submit.example.com");
        // SenderHeaders Sender,From: signed for the Sender's domain although From is someone else's.
        var message = TestMessage.Create(from: "Someone <someone@elsewhere.example>")
            .With("X-Mailer", " test")
            .WithOnTop("Sender", " alice@example.com")
            .SignedBy(TestKeys.Rsa, "example.net", "sel2048", time: _time);

        var outcome = await mta.SendAsync(message, "QIDO1");

        outcome.AssertDelivered();
        Assert.Equal("CHGHEADER[1] DKIM-Signature: ", outcome.Describe()[0]);
        Assert.Equal(3, outcome.Modifications.Count);
        long now = _time.GetUtcNow().ToUnixTimeSeconds();
        var signatures = outcome.Inserts.Select(insert => DkimTags.Parse(MessageOutcome.Text(insert.Value))).ToList();
        Assert.Equal(["rsa-sha256", "ed25519-sha256"], signatures.Select(tags => tags["a"]));
        Assert.All(signatures, tags =>
        {
            Assert.Equal("example.com", tags["d"]);
            Assert.Equal("relaxed/relaxed", tags["c"]);
            // SignHeaders leaves Date out, OmitHeaders takes To out again, OversignHeaders adds a From.
            Assert.Equal("From:Subject:X-Mailer:From", tags["h"]);
            Assert.Equal("10", tags["l"]);
            Assert.Equal(now.ToString(CultureInfo.InvariantCulture), tags["t"]);
            Assert.Equal((now + 3600).ToString(CultureInfo.InvariantCulture), tags["x"]);
        });
        var delivered = message.Apply(outcome.Modifications, mta.LeadingSpace);
        Assert.Equal(["ed", "mail"], delivered.Headers.Where(header => header.Name == "DKIM-Signature").Select(header => DkimTags.Parse(header.RawValue)["s"]).Order());
        Assert.All(await delivered.VerifyAsync(rig.Dns, _time), result => Assert.Equal(DkimResultStatus.Pass, result.Status));
        Assert.Equal(LogLevel.Information, rig.Log.Single("QIDO1: DKIM-Signature field added (s=mail, d=example.com)").Level);
        rig.Log.Single("QIDO1: client 192.0.2.10 is in InternalHosts");
    }

    [Fact]
    public async Task Verification_and_failure_options_shape_results_and_replies()
    {
        using var smallKey = RsaPrivateKey.Generate(1024);
        var dns = HandlerRig.StandardDns().Publish("small", "example.net", $"v=DKIM1; k=rsa; p={smallKey.PublicKey.ToRecordValue()}");
        await using var rig = HandlerRig.Serve(ConfigFileParser.Load(TablesPath), dns, _time);
        // 127.0.0.1 is not in this InternalHosts: everything from it is verified.
        await using var mta = await rig.ConnectAsync();
        var unsigned = TestMessage.Create(from: "Sender <sender@example.net>");
        var signed = unsigned.SignedBy(TestKeys.Rsa, "example.net", "sel2048", time: _time);

        // RemoveARAll removes another host's field; AlwaysAddARHeader and AuthservID give dkim=none under our id.
        // With AlwaysAddARHeader, On-NoSignature (quarantine here) is not applied, as in OpenDKIM 2.11 (measured
        // through Postfix); the handler tests show On-NoSignature acting without it.
        var plain = await mta.SendAsync(unsigned.With("Authentication-Results", " other.example; spf=pass"), "QIDO2");
        Assert.Equal(
            ["CHGHEADER[1] Authentication-Results: ", "INSHEADER[0] Authentication-Results:  test.example; dkim=none; dkim-atps=neutral"],
            plain.Describe());
        Assert.Equal(ReplyCode.Continue, plain.Final.Code);

        // MaximumSignaturesToVerify 2: of three signatures only the top two are evaluated; LogResults logs them.
        var threeTimes = unsigned.SignedBy(TestKeys.Rsa, "example.com", "mail", time: _time)
            .SignedBy(TestKeys.Ed25519, "example.com", "ed", time: _time)
            .SignedBy(TestKeys.Rsa, "example.net", "sel2048", time: _time);
        var three = await mta.SendAsync(threeTimes, "QIDO3");
        Assert.Equal(2, three.ResultsValue.Split("dkim=pass").Length - 1);
        Assert.DoesNotContain("header.s=mail", three.ResultsValue, StringComparison.Ordinal);
        var resultsLine = Assert.Single(rig.Log.Lines, line => line.Message.StartsWith("QIDO3: signature=", StringComparison.Ordinal)).Message;
        Assert.Contains("selector=sel2048 result=\"no signature error\"; signature=", resultsLine, StringComparison.Ordinal);
        Assert.Contains("selector=ed result=\"no signature error\"", resultsLine, StringComparison.Ordinal);

        // MinimumKeyBits 2048: a 1024-bit key, good by default, is policy.
        var small = await mta.SendAsync(unsigned.SignedBy(smallKey, "example.net", "small", time: _time), "QIDO4");
        Assert.Contains("dkim=policy reason=\"signing key too small\" (1024-bit key; unprotected)", small.ResultsValue, StringComparison.Ordinal);

        // ClockDrift 60: a signature two minutes in the future, within the default 300 s, is refused.
        var future = await mta.SendAsync(unsigned.SignedBy(TestKeys.Rsa, "example.net", "sel2048", time: new FakeTimeProvider(_time.GetUtcNow().AddMinutes(2))), "QIDO5");
        Assert.Contains("dkim=permerror reason=\"signature timestamp in the future\"", future.ResultsValue, StringComparison.Ordinal);

        Assert.Equal("550 5.7.0 bad DKIM signature data", (await mta.SendAsync(signed.Replace("Subject", " tampered"), "QIDO6")).ReplyText);
        Assert.Equal(ReplyCode.Discard, (await mta.SendAsync(unsigned.SignedBy(TestKeys.Rsa, "example.net", "nx", time: _time), "QIDO7")).Final.Code);
        Assert.Equal("451 4.7.5 DKIM key retrieval failed", (await mta.SendAsync(unsigned.SignedBy(TestKeys.Rsa, "example.net", "servfail", time: _time), "QIDO8")).ReplyText);
    }

    [Fact]
    public async Task Single_key_options_sign_subdomain_mail_with_the_Ed25519_KeyFile_in_Mode_s()
    {
        var dns = HandlerRig.StandardDns().Publish("ed", "example.org", TestKeys.Ed25519Record);
        await using var rig = HandlerRig.Serve(ConfigFileParser.Load(SingleKeyPath), dns);
        var message = TestMessage.Create(from: "Bob <bob@mail.example.org>");

        await using (var local = await rig.ConnectAsync())
        {
            // SubDomains: mail.example.org is covered by Domain example.org, and d= is the Domain entry.
            var outcome = await local.SendAsync(message, "QIDO9");
            var tags = DkimTags.Parse(MessageOutcome.Text(Assert.Single(outcome.Inserts).Value));
            Assert.Equal(("example.org", "ed", "ed25519-sha256"), (tags["d"], tags["s"], tags["a"]));
            Assert.Equal(DkimResultStatus.Pass, Assert.Single(await message.Apply(outcome.Modifications, local.LeadingSpace).VerifyAsync(rig.Dns)).Status);

            var notOurs = await local.SendAsync(TestMessage.Create(from: "Bob <bob@example.net>"), "QIDO10");
            Assert.Equal(("EOH", ReplyCode.Accept), (notOurs.DecidedAt, notOurs.Final.Code));
        }

        // Mode s: foreign mail is not verified at all.
        await using (var external = await rig.ConnectExternalAsync())
        {
            var foreign = await external.SendAsync(TestMessage.Create(from: "Sender <sender@example.net>").SignedBy(TestKeys.Rsa, "example.net", "sel2048"), "QIDO11");
            Assert.Equal(("EOH", ReplyCode.Accept), (foreign.DecidedAt, foreign.Final.Code));
            Assert.Empty(foreign.Modifications);
        }

        Assert.Equal(MilterMode.Sign, rig.Filter.Policy.Mode);
        Assert.Equal(DkimAlgorithm.Ed25519Sha256, rig.Filter.Signing.Algorithm);
        // On-Default reject with no specific On-* setting: every one of them rejects, but for DNS failures, which
        // stay accepted (OpenDKIM never applied it to them; a passing DNS problem must not bounce mail).
        Assert.Equal(new FailureHandling
        {
            BadSignature = FailureAction.Reject,
            DnsError = FailureAction.Accept,
            InternalError = FailureAction.Reject,
            KeyNotFound = FailureAction.Reject,
            NoSignature = FailureAction.Reject,
            SignatureError = FailureAction.Reject,
            Security = FailureAction.Reject,
        }, rig.Filter.Failures);
    }

    [Fact]
    public void SignatureAlgorithm_is_checked_against_the_key()
    {
        // The same setting with an RSA KeyFile is worth a warning: the key signs rsa-sha256 whatever it says.
        string path = Path.Combine(_directory, "rsa-key.conf");
        File.WriteAllText(path, Expand(SingleKeyConfig).Replace(TestKeys.Ed25519File, TestKeys.RsaFile, StringComparison.Ordinal) + "RequireSafeKeys no\n");
        var diagnostics = new List<ConfigDiagnostic>();

        using var filter = DkimFilter.Build(ConfigFileParser.Load(path), new FakeKeyResolver(), diagnostics);

        var warning = Assert.Single(diagnostics);
        Assert.False(warning.IsError);
        Assert.StartsWith("SignatureAlgorithm is ed25519-sha256 but key '(KeyFile)'", warning.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void RequireSafeKeys_no_is_what_lets_the_world_readable_key_pass()
    {
        string path = Path.Combine(_directory, "safe-keys.conf");
        File.WriteAllText(path, Expand(TablesConfig).Replace("RequireSafeKeys no\n", "", StringComparison.Ordinal));

        var diagnostics = ConfigurationChecks.Run(ConfigFileParser.Load(path));

        var unsafeKey = Assert.Single(diagnostics);
        Assert.True(unsafeKey.IsError);
        Assert.Contains("key data is not secure", unsafeKey.Problem, StringComparison.Ordinal);
        Assert.Empty(ConfigurationChecks.Run(ConfigFileParser.Load(TablesPath)));
    }

    private string Expand(string text) => text.Replace("{dir}", _directory, StringComparison.Ordinal);

    private static DkimFilter Build(string path)
    {
        var diagnostics = new List<ConfigDiagnostic>();
        var filter = DkimFilter.Build(ConfigFileParser.Load(path), new FakeKeyResolver(), diagnostics);
        Assert.Empty(diagnostics);
        return filter;
    }
}
