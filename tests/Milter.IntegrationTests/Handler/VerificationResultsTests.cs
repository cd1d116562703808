using Microsoft.Extensions.Logging;
using Milter.Dkim.Keys;
using Milter.Protocol.Client;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// Mail from a foreign client (192.0.2.1) is verified and reported in Authentication-Results byte for byte as
/// OpenDKIM 2.11 writes it (docs/measurements/opendkim-2.11-verify-and-sign.md §1: INSHEADER at 0, leading space,
/// one result per line, "; unprotected", dkim-atps=neutral), except where README lists a deliberate difference
/// (DNS failure is temperror, rsa-sha1 is policy).
/// </summary>
public sealed class VerificationResultsTests
{
    private const string Config = "AuthservID test.example\nLogResults yes\nSyslogSuccess yes\n";

    private static TestMessage SignedByExampleNet(string selector = "sel2048") => TestMessage.Create(from: "Sender <sender@example.net>")
        .SignedBy(TestKeys.Rsa, "example.net", selector);

    private static string Rsa2048(string result, string selector, string b, string domain = "example.net", string algorithm = "rsa-sha256") =>
        $"dkim={result} (2048-bit key; unprotected) header.d={domain} header.i=@{domain} header.a={algorithm} header.s={selector} header.b={b}";

    private static string Field(params string[] results) => " test.example;\n\t" + string.Join(";\n\t", results) + ";\n\tdkim-atps=neutral";

    [Fact]
    public async Task Valid_signature_passes()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectExternalAsync();
        var message = SignedByExampleNet();
        string b = DkimTags.ShortB(message.Value("DKIM-Signature"));

        var outcome = await mta.SendAsync(message, "QID02");

        outcome.AssertDelivered();
        Assert.Single(outcome.Modifications);
        Assert.Equal(Field(Rsa2048("pass", "sel2048", b)), outcome.ResultsValue);
        Assert.Equal(["sel2048._domainkey.example.net"], rig.Dns.Queries);
        Assert.Equal(LogLevel.Information, rig.Log.Single($"QID02: signature={b} domain=example.net selector=sel2048 result=\"no signature error\"").Level);
        Assert.Equal(LogLevel.Information, rig.Log.Single("QID02: DKIM verification successful").Level);
    }

    [Fact]
    public async Task Ed25519_signature_passes_without_a_key_size()
    {
        var dns = HandlerRig.StandardDns().Publish("ed", "example.net", TestKeys.Ed25519Record);
        await using var rig = HandlerRig.Start(Config, dns: dns);
        await using var mta = await rig.ConnectExternalAsync();
        var message = TestMessage.Create(from: "Sender <sender@example.net>").SignedBy(TestKeys.Ed25519, "example.net", "ed");

        var outcome = await mta.SendAsync(message, "QID13");

        outcome.AssertDelivered();
        Assert.Equal(Field($"dkim=pass header.d=example.net header.i=@example.net header.a=ed25519-sha256 header.s=ed header.b={DkimTags.ShortB(message.Value("DKIM-Signature"))}"),
            outcome.ResultsValue);
    }

    [Fact]
    public async Task Tampered_subject_fails()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectExternalAsync();
        var signed = SignedByExampleNet();

        var outcome = await mta.SendAsync(signed.Replace("Subject", " tampered"), "QID04");

        outcome.AssertDelivered();
        Assert.Equal(Field(Rsa2048("fail reason=\"signature verification failed\"", "sel2048", DkimTags.ShortB(signed.Value("DKIM-Signature")))),
            outcome.ResultsValue);
    }

    [Fact]
    public async Task Tampered_body_fails_with_OpenDKIMs_reason()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectExternalAsync();
        var signed = SignedByExampleNet();
        string b = DkimTags.ShortB(signed.Value("DKIM-Signature"));

        var outcome = await mta.SendAsync(signed.WithBody("Hello.\r\nThis is a tampered test.\r\n"), "QID03");

        outcome.AssertDelivered();
        // Measured case 03-body-tampered: OpenDKIM says "signature verification failed" for a body hash mismatch
        // too, in the A-R and in the LogResults line; downstream filters and log searches match that text.
        Assert.Equal(Field(Rsa2048("fail reason=\"signature verification failed\"", "sel2048", b)), outcome.ResultsValue);
        rig.Log.Single($"QID03: signature={b} domain=example.net selector=sel2048 result=\"signature verification failed\"");
    }

    [Fact]
    public async Task Key_not_in_DNS_fails_with_key_not_found()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectExternalAsync();
        var message = SignedByExampleNet("nx");

        var outcome = await mta.SendAsync(message, "QID05");

        outcome.AssertDelivered();
        Assert.Equal(Field($"dkim=fail reason=\"key not found in DNS\" header.d=example.net header.i=@example.net header.a=rsa-sha256 header.s=nx header.b={DkimTags.ShortB(message.Value("DKIM-Signature"))}"),
            outcome.ResultsValue);
        Assert.Equal(["nx._domainkey.example.net"], rig.Dns.Queries);
    }

    [Fact]
    public async Task Revoked_key_fails_with_key_revoked()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectExternalAsync();
        var message = SignedByExampleNet("revoked");

        var outcome = await mta.SendAsync(message, "QID06");

        outcome.AssertDelivered();
        Assert.Equal(Field($"dkim=fail reason=\"key revoked\" header.d=example.net header.i=@example.net header.a=rsa-sha256 header.s=revoked header.b={DkimTags.ShortB(message.Value("DKIM-Signature"))}"),
            outcome.ResultsValue);
    }

    [Fact]
    public async Task DNS_failure_is_temperror_and_accepted()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectExternalAsync();
        var message = SignedByExampleNet("servfail");

        var outcome = await mta.SendAsync(message, "QID07");

        // Deliberate difference (README): OpenDKIM adds no A-R at all; a temperror tells DMARC to try again later.
        outcome.AssertDelivered();
        Assert.Equal(Field($"dkim=temperror reason=\"key query failed: SERVFAIL\" header.d=example.net header.i=@example.net header.a=rsa-sha256 header.s=servfail header.b={DkimTags.ShortB(message.Value("DKIM-Signature"))}"),
            outcome.ResultsValue);
    }

    [Fact]
    public async Task Rsa_sha1_is_policy_without_a_DNS_query()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectExternalAsync();
        var signed = SignedByExampleNet();
        // The verdict needs no valid b=: rsa-sha1 is refused before any key or hash is looked at.
        var message = signed.Replace("DKIM-Signature", signed.Value("DKIM-Signature").Replace("a=rsa-sha256", "a=rsa-sha1", StringComparison.Ordinal));

        var outcome = await mta.SendAsync(message, "QID10");

        // Deliberate difference (README): OpenDKIM passes rsa-sha1; RFC 8301 forbids that.
        outcome.AssertDelivered();
        Assert.Equal(Field($"dkim=policy reason=\"rsa-sha1 signatures are not accepted (RFC 8301)\" header.d=example.net header.i=@example.net header.a=rsa-sha1 header.s=sel2048 header.b={DkimTags.ShortB(signed.Value("DKIM-Signature"))}"),
            outcome.ResultsValue);
        Assert.Empty(rig.Dns.Queries);
    }

    [Fact]
    public async Task Two_signatures_are_reported_in_header_order()
    {
        using var otherKey = RsaPrivateKey.Generate(2048);
        var dns = HandlerRig.StandardDns().Publish("other", "example.org", $"v=DKIM1; k=rsa; p={otherKey.PublicKey.ToRecordValue()}");
        await using var rig = HandlerRig.Start(Config, dns: dns);
        await using var mta = await rig.ConnectExternalAsync();
        // example.org's signature is made with a key other than the one its DNS publishes: it cannot verify.
        var message = TestMessage.Create(from: "Sender <sender@example.net>")
            .SignedBy(TestKeys.Rsa, "example.org", "other")
            .SignedBy(TestKeys.Rsa, "example.net", "sel2048");
        var signatures = message.Headers.Where(header => header.Name == "DKIM-Signature").Select(header => DkimTags.ShortB(header.RawValue)).ToList();

        var outcome = await mta.SendAsync(message, "QID14A");

        outcome.AssertDelivered();
        Assert.Equal(Field(
                Rsa2048("pass", "sel2048", signatures[0]),
                Rsa2048("fail reason=\"signature verification failed\"", "other", signatures[1], domain: "example.org")),
            outcome.ResultsValue);
    }

    [Fact]
    public async Task Unsigned_mail_gets_no_results_field_by_default()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectExternalAsync();

        var outcome = await mta.SendAsync(TestMessage.Create(from: "Sender <sender@example.net>"), "QID01");

        outcome.AssertDelivered();
        Assert.Empty(outcome.Modifications);
    }

    [Fact]
    public async Task Unsigned_mail_gets_dkim_none_with_AlwaysAddARHeader()
    {
        await using var rig = HandlerRig.Start(Config + "AlwaysAddARHeader yes\n");
        await using var mta = await rig.ConnectExternalAsync();

        var outcome = await mta.SendAsync(TestMessage.Create(from: "Sender <sender@example.net>"), "QID01B");

        outcome.AssertDelivered();
        Assert.Single(outcome.Modifications);
        Assert.Equal(" test.example; dkim=none; dkim-atps=neutral", outcome.ResultsValue);
    }

    [Fact]
    public async Task At_protocol_2_the_results_field_has_no_leading_space()
    {
        await using var rig = HandlerRig.Start(Config + "AlwaysAddARHeader yes\n");
        await using var mta = await rig.ConnectExternalAsync(MtaProfile.Postfix2);

        var outcome = await mta.SendAsync(TestMessage.Create(from: "Sender <sender@example.net>"), "QID01C");

        Assert.Equal("test.example; dkim=none; dkim-atps=neutral", outcome.ResultsValue);
    }
}
