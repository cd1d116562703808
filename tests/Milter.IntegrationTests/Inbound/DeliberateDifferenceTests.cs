namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// Where we report differently from OpenDKIM 2.11 on purpose (src/Milter.Daemon/Dkim/OpenDkimReporting.cs), shown on
/// the same messages through both: each test asserts both sides, so a change in either is noticed.
/// </summary>
public sealed class DeliberateDifferenceTests(DeliberateDifferencesFixture fixture) : IClassFixture<DeliberateDifferencesFixture>
{
    /// <summary>RFC 8301 §3.1: rsa-sha1 signatures "MUST NOT" be considered valid; OpenDKIM passes them.</summary>
    [Fact]
    public void Rsa_sha1_passes_with_OpenDKIM_and_is_policy_with_us()
    {
        var theirs = Assert.Single(Assert.Single(fixture.OpenDkim.OwnResults(InboundCorpus.RsaSha1)).Dkim);
        var ours = Assert.Single(Assert.Single(fixture.Ours.OwnResults(InboundCorpus.RsaSha1)).Dkim);

        Assert.Equal("pass", theirs.Result);
        Assert.Equal("policy", ours.Result);
        Assert.Equal(theirs.Signature, ours.Signature);
    }

    /// <summary>A SERVFAIL leaves OpenDKIM's A-R out altogether; RFC 8601 §2.7.1 has temperror for exactly this.</summary>
    [Fact]
    public void Servfail_gets_no_results_from_OpenDKIM_and_temperror_from_us() =>
        AssertNoResultsFromOpenDkimAndOursAre(InboundCorpus.DnsServFail, "temperror");

    /// <summary>An unanswered key query: the same as SERVFAIL on both sides.</summary>
    [Fact]
    public void Dns_timeout_gets_no_results_from_OpenDKIM_and_temperror_from_us() =>
        AssertNoResultsFromOpenDkimAndOursAre(InboundCorpus.DnsTimeout, "temperror");

    /// <summary>An unparseable DKIM-Signature: OpenDKIM stops at end of headers and says nothing; we say permerror.</summary>
    [Fact]
    public void Malformed_signature_gets_no_results_from_OpenDKIM_and_permerror_from_us() =>
        AssertNoResultsFromOpenDkimAndOursAre(InboundCorpus.Malformed, "permerror");

    private void AssertNoResultsFromOpenDkimAndOursAre(string name, string result)
    {
        // Delivered, but without an Authentication-Results field of OpenDKIM's (AlwaysAddARHeader yes notwithstanding).
        Assert.Empty(fixture.OpenDkim.OwnResults(name));
        var ours = Assert.Single(Assert.Single(fixture.Ours.OwnResults(name)).Dkim);
        Assert.Equal(result, ours.Result);
    }
}
