using System.Diagnostics;
using Milter.Daemon.Dns;
using Milter.Dkim.Verification;
using Milter.IntegrationTests.Dns;

namespace Milter.IntegrationTests.Tools;

/// <summary>The TXT look-ups testkey makes for SPF and DMARC, against the loopback DNS server.</summary>
public sealed class TxtRecordResolverTests
{
    [Fact]
    public async Task Each_records_strings_are_joined_and_records_kept_apart()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.AddTxt("example.com", 300, "v=spf1 ", "mx -all");
        dns.AddTxt("example.com", 300, "google-site-verification=abc");
        using var resolver = new TxtRecordResolver([dns.EndPoint], TimeSpan.FromSeconds(5));

        var result = await resolver.LookupAsync("example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.Found, result.Status);
        Assert.Equal(["v=spf1 mx -all", "google-site-verification=abc"], result.Records);
    }

    [Fact]
    public async Task NXDOMAIN_and_no_TXT_are_not_found()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNoData("_dmarc.example.com");
        using var resolver = new TxtRecordResolver([dns.EndPoint], TimeSpan.FromSeconds(5));

        var nxdomain = await resolver.LookupAsync("_dmarc.example.org", CancellationToken.None);
        var nodata = await resolver.LookupAsync("_dmarc.example.com.", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.NotFound, nxdomain.Status);
        Assert.Equal("NXDOMAIN", nxdomain.Error);
        Assert.Equal(KeyLookupStatus.NotFound, nodata.Status);
        Assert.Equal("no TXT record", nodata.Error);
    }

    [Fact]
    public async Task A_silent_server_is_a_temporary_failure_within_the_timeout_after_two_tries()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNoAnswer("example.com");
        using var resolver = new TxtRecordResolver([dns.EndPoint], TimeSpan.FromSeconds(1));

        var clock = Stopwatch.StartNew();
        var result = await resolver.LookupAsync("example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.TemporaryFailure, result.Status);
        Assert.Equal("timed out after 1 s", result.Error);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
        Assert.Equal(2, dns.QueryCount("example.com"));
    }

    [Fact]
    public async Task SERVFAIL_from_one_server_moves_on_to_the_next()
    {
        await using var failing = await LoopbackDnsServer.StartAsync();
        await using var working = await LoopbackDnsServer.StartAsync();
        failing.SetServFail("example.com");
        working.SetTxt("example.com", 300, "v=spf1 -all");
        using var resolver = new TxtRecordResolver([failing.EndPoint, working.EndPoint], TimeSpan.FromSeconds(5));

        var result = await resolver.LookupAsync("example.com", CancellationToken.None);

        Assert.Equal(["v=spf1 -all"], result.Records);
    }

    [Fact]
    public async Task A_name_DNS_cannot_carry_is_not_found_without_a_query()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        using var resolver = new TxtRecordResolver([dns.EndPoint], TimeSpan.FromSeconds(5));

        var result = await resolver.LookupAsync("a..example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.NotFound, result.Status);
        Assert.Empty(dns.Queries);
    }
}
