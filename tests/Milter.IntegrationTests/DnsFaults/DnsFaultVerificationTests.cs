using System.Diagnostics;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.Handler;
using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.DnsFaults;

/// <summary>
/// A misbehaving DNS server behind the real verify path (milter handler, DkimFilter, DnsKeyResolver, packets on
/// loopback): every fault ends in a defined dkim= result, reply and log line, within DNSTimeout plus a margin.
/// The margin bounds correctness (no look-up outlives its limit), it is not a performance figure.
/// </summary>
public sealed class DnsFaultVerificationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(2);

    private static async Task<(MessageOutcome Outcome, TimeSpan Took)> VerifyAsync(DnsFaultRig rig, TestMessage message, string queueId)
    {
        await using var mta = await rig.ConnectAsync();
        var clock = Stopwatch.StartNew();
        var outcome = await mta.SendAsync(message, queueId);
        return (outcome, clock.Elapsed);
    }

    private static void AssertBounded(DnsFaultRig rig, TimeSpan took) =>
        Assert.True(took < rig.DnsTimeout + Margin, $"the message took {took.TotalSeconds:0.00} s, DNSTimeout is {rig.DnsTimeout.TotalSeconds} s");

    private static string ResultOf(MessageOutcome outcome) => outcome.ResultsValue.Split(";\n\t")[1];

    [Fact]
    public async Task A_published_key_passes()
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        rig.PublishKey("good");

        var (outcome, took) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("good"), "DNS01");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=pass (2048-bit key; unprotected) header.d=example.net", ResultOf(outcome), StringComparison.Ordinal);
        Assert.Contains("DNS01: DKIM verification successful", rig.LinesOf("DNS01"));
        AssertBounded(rig, took);
    }

    [Fact]
    public async Task A_server_that_never_answers_gives_temperror_within_DNSTimeout()
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        rig.Dns.SetNoAnswer(DnsFaultRig.KeyName("dead"));

        var (outcome, took) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("dead"), "DNS02");

        // On-DNSError's default is accept (OpenDKIM, measured): delivered, with the reason for the reader.
        outcome.AssertDelivered();
        Assert.StartsWith("dkim=temperror reason=\"key query failed: timed out after 2 s\" header.d=example.net", ResultOf(outcome), StringComparison.Ordinal);
        Assert.Contains("DNS02: key retrieval failed (s=dead, d=example.net): key query failed: timed out after 2 s", rig.LinesOf("DNS02"));
        AssertBounded(rig, took);
        Assert.InRange(rig.Dns.QueryCount(DnsFaultRig.KeyName("dead")), 1, 2);
    }

    [Fact]
    public async Task SERVFAIL_gives_temperror_naming_the_server()
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        rig.Dns.SetServFail(DnsFaultRig.KeyName("broken"));

        var (outcome, took) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("broken"), "DNS03");

        var reason = $"key query failed: SERVFAIL from {rig.Dns.NameserversValue}";
        outcome.AssertDelivered();
        Assert.StartsWith($"dkim=temperror reason=\"{reason}\"", ResultOf(outcome), StringComparison.Ordinal);
        Assert.Contains($"DNS03: key retrieval failed (s=broken, d=example.net): {reason}", rig.LinesOf("DNS03"));
        AssertBounded(rig, took);
    }

    [Fact]
    public async Task NXDOMAIN_is_key_not_found_and_the_message_is_delivered()
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        rig.Dns.SetNxDomain(DnsFaultRig.KeyName("gone"));

        var (outcome, took) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("gone"), "DNS04");

        // OpenDKIM's wording (fail, "key not found in DNS") and On-KeyNotFound's default, accept.
        outcome.AssertDelivered();
        Assert.StartsWith("dkim=fail reason=\"key not found in DNS\" header.d=example.net", ResultOf(outcome), StringComparison.Ordinal);
        Assert.Contains("DNS04: key retrieval failed (s=gone, d=example.net): no key for signature (NXDOMAIN)", rig.LinesOf("DNS04"));
        AssertBounded(rig, took);
    }

    [Fact]
    public async Task A_truncated_UDP_answer_is_fetched_again_over_TCP_and_passes()
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        rig.PublishKey("tc");
        rig.Dns.SetTruncatedOverUdp(DnsFaultRig.KeyName("tc"));

        var (outcome, took) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("tc"), "DNS05");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=pass ", ResultOf(outcome), StringComparison.Ordinal);
        Assert.Equal([DnsTransport.Udp, DnsTransport.Tcp], rig.Dns.Queries.Select(query => query.Transport));
        AssertBounded(rig, took);
    }

    [Fact]
    public async Task A_record_split_into_one_byte_strings_is_joined_and_passes()
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        rig.Dns.SetTxt(DnsFaultRig.KeyName("split"), 300, [.. TestKeys.RsaRecord.Select(c => c.ToString())]);

        var (outcome, _) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("split"), "DNS06");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=pass ", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Of_several_TXT_records_the_first_DKIM_key_is_used()
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        var name = DnsFaultRig.KeyName("many");
        // Not a key record (skipped), then the real key, then another key that would not verify (never reached).
        rig.Dns.AddTxt(name, 300, "v=spf1 -all");
        rig.Dns.AddTxt(name, 300, [.. LoopbackDnsServer.SplitIntoStrings(TestKeys.RsaRecord)]);
        rig.Dns.AddTxt(name, 300, [.. LoopbackDnsServer.SplitIntoStrings(OtherKeyRecord())]);

        var (outcome, _) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("many"), "DNS07");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=pass ", ResultOf(outcome), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Of_several_TXT_records_a_wrong_first_key_decides_and_fails()
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        var name = DnsFaultRig.KeyName("order");
        rig.Dns.AddTxt(name, 300, [.. LoopbackDnsServer.SplitIntoStrings(OtherKeyRecord())]);
        rig.Dns.AddTxt(name, 300, [.. LoopbackDnsServer.SplitIntoStrings(TestKeys.RsaRecord)]);

        var (outcome, _) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("order"), "DNS08");

        // RFC 6376 3.6.2.2 leaves several records undefined; like OpenDKIM we take one (the first key) and do not
        // try the others, so publishing two keys at one selector cannot be used to make any of them pass.
        Assert.StartsWith("dkim=fail reason=\"signature verification failed\"", ResultOf(outcome), StringComparison.Ordinal);
        outcome.AssertDelivered();
    }

    [Fact]
    public async Task A_64_KB_record_comes_over_TCP_and_is_a_permerror()
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        var huge = "v=DKIM1; k=rsa; p=" + new string('A', 63_000);
        rig.Dns.SetKeyRecord("huge", DnsFaultRig.SignerDomain, huge);

        var (outcome, took) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("huge"), "DNS09");

        Assert.Contains(rig.Dns.Queries, query => query.Transport == DnsTransport.Tcp);
        outcome.AssertDelivered();
        Assert.StartsWith("dkim=permerror reason=\"p= is not DER-encoded key data\" header.d=example.net", ResultOf(outcome), StringComparison.Ordinal);
        AssertBounded(rig, took);
    }

    [Theory]
    [InlineData(LoopbackDnsForgery.WrongId, "unreadable response talking to")]
    [InlineData(LoopbackDnsForgery.WrongName, "response for another name from")]
    public async Task A_forged_answer_racing_the_real_one_is_never_used(LoopbackDnsForgery forgery, string failure)
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        rig.PublishKey("raced");
        rig.Dns.SetForgedAnswer(DnsFaultRig.KeyName("raced"), forgery, OtherKeyRecord());

        var (outcome, took) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("raced"), "DNS10");

        // Had the forged key been used, the signature would fail to verify ("signature verification failed").
        // DnsClient stops listening on a query's socket once a mismatching datagram arrives, so the real answer
        // that follows is lost too: each try fails and the look-up is a temporary error, never a verdict.
        outcome.AssertDelivered();
        Assert.StartsWith($"dkim=temperror reason=\"key query failed: {failure} {rig.Dns.NameserversValue}\"", ResultOf(outcome), StringComparison.Ordinal);
        AssertBounded(rig, took);
    }

    [Fact]
    public async Task An_answer_slower_than_one_try_but_inside_DNSTimeout_is_used()
    {
        // A longer limit here, so that the second of slack left after the answer survives a loaded machine.
        var timeout = TimeSpan.FromSeconds(4);
        await using var rig = await DnsFaultRig.StartAsync(timeout);
        rig.PublishKey("slow");
        // Three quarters of the limit: later than a try's share (half of it, with one server), sooner than the limit.
        rig.Dns.SetDelay(DnsFaultRig.KeyName("slow"), timeout * 0.75);

        var (outcome, took) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("slow"), "DNS11");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=pass ", ResultOf(outcome), StringComparison.Ordinal);
        AssertBounded(rig, took);
    }

    [Fact]
    public async Task An_answer_slower_than_DNSTimeout_is_a_temperror_at_the_limit()
    {
        await using var rig = await DnsFaultRig.StartAsync(Timeout);
        rig.PublishKey("late");
        rig.Dns.SetDelay(DnsFaultRig.KeyName("late"), Timeout * 1.5);

        var (outcome, took) = await VerifyAsync(rig, DnsFaultRig.SignedMessage("late"), "DNS12");

        outcome.AssertDelivered();
        Assert.StartsWith("dkim=temperror reason=\"key query failed: timed out after 2 s\"", ResultOf(outcome), StringComparison.Ordinal);
        AssertBounded(rig, took);
    }

    // A valid 2048-bit key record that is not the signer's: a signature checked against it fails.
    private static string OtherKeyRecord()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        return "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }
}
