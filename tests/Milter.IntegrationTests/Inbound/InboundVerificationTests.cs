using Xunit.Abstractions;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// Mail from an outside client, through a real Postfix, verified by the real daemon with keys from the loopback DNS
/// server: the Authentication-Results field each situation leaves in the delivered message, in OpenDKIM's words
/// (docs/measurements/opendkim-2.11-verify-and-sign.md §1).
/// </summary>
public sealed class InboundVerificationTests(VerificationFixture fixture, ITestOutputHelper output) : IClassFixture<VerificationFixture>
{
    private const string Header = $"Authentication-Results: {InboundCorpus.AuthservId};\n\t";
    private const string Trailer = ";\n\tdkim-atps=neutral";

    [Fact]
    public void Valid_signature_gets_dkim_pass()
    {
        var message = fixture.Corpus[InboundCorpus.ValidRelaxedSimple];

        var field = Assert.Single(fixture.Run.OwnResults(message.Name));

        Assert.Equal(PassField(message), field.Text);
    }

    [Fact]
    public void Tampered_body_gets_dkim_fail()
    {
        var message = fixture.Corpus[InboundCorpus.BodyTampered];

        var field = Assert.Single(fixture.Run.OwnResults(message.Name));

        var entry = Assert.Single(field.Dkim);
        Assert.Equal("fail", entry.Result);
        Assert.Equal($"header.d=example.net header.s=sel2048 header.a=rsa-sha256 header.b={message.HeaderB()}", entry.Signature);
    }

    [Fact]
    public void Unknown_selector_gets_dkim_fail_key_not_found_in_DNS()
    {
        var message = fixture.Corpus[InboundCorpus.KeyNxDomain];

        var field = Assert.Single(fixture.Run.OwnResults(message.Name));

        // OpenDKIM's wording, not RFC 6376's permerror, and no key-size comment: there is no key.
        Assert.Equal(
            Header + "dkim=fail reason=\"key not found in DNS\" header.d=example.net header.i=@example.net header.a=rsa-sha256 " +
            $"header.s=nx header.b={message.HeaderB()}" + Trailer,
            field.Text);
    }

    [Fact]
    public void Unanswered_key_query_gets_dkim_temperror_and_the_message_is_delivered_after_DNSTimeout()
    {
        var message = fixture.Corpus[InboundCorpus.DnsTimeout];

        var field = Assert.Single(fixture.Run.OwnResults(message.Name));

        var entry = Assert.Single(field.Dkim);
        Assert.Equal("temperror", entry.Result);
        Assert.Equal($"header.d=example.net header.s=timeout header.a=rsa-sha256 header.b={message.HeaderB()}", entry.Signature);
        // The query reached the server and was never answered: the daemon gave up on its own.
        Assert.True(fixture.Dns.QueryCount($"{InboundKeys.TimeoutSelector}._domainkey.{InboundKeys.Domain}") > 0, "the daemon never asked for the key");
        // A bound on behaviour, not a benchmark: the look-up ends at DNSTimeout; Postfix would wait 300 s.
        var bound = TimeSpan.FromSeconds(InboundConfiguration.DnsTimeoutSeconds + 10);
        output.WriteLine($"SMTP session with the unanswered key query: {fixture.TimeoutSessionDuration.TotalSeconds:0.00} s; {field.Text}");
        Assert.True(fixture.TimeoutSessionDuration < bound, $"the SMTP session took {fixture.TimeoutSessionDuration.TotalSeconds:0.0} s, over {bound.TotalSeconds} s");
    }

    [Fact]
    public void Incoming_results_claiming_our_authserv_id_are_replaced_by_ours()
    {
        var message = fixture.Corpus[InboundCorpus.ForgedResults];
        var delivered = fixture.Run.Delivered(message.Name);

        var field = Assert.Single(fixture.Run.OwnResults(message.Name));

        Assert.Equal(PassField(message), field.Text);
        Assert.DoesNotContain(InboundCorpus.ForgedOwnResults, delivered.Fields);
    }

    [Fact]
    public void Incoming_results_of_another_authserv_id_are_kept()
    {
        var delivered = fixture.Run.Delivered(InboundCorpus.ForgedResults);

        Assert.Contains(InboundCorpus.OtherHostResults, delivered.Fields);
        Assert.Equal(2, ResultsField.In(delivered).Count);
    }

    /// <summary>Measured OpenDKIM field for a valid 2048-bit rsa-sha256 signature of example.net, selector sel2048.</summary>
    private static string PassField(InboundMessage message) =>
        Header + "dkim=pass (2048-bit key; unprotected) header.d=example.net header.i=@example.net header.a=rsa-sha256 " +
        $"header.s=sel2048 header.b={message.HeaderB()}" + Trailer;
}
