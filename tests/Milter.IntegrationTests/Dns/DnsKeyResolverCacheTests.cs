using Microsoft.Extensions.Time.Testing;
using Milter.Daemon.Dns;
using Milter.Dkim.Verification;

namespace Milter.IntegrationTests.Dns;

/// <summary>
/// The shared cache seen through the resolver: the loopback server counts queries, a fake clock moves time. (The
/// servers here always answer, so the resolver's time limits, which also run on the fake clock, never matter.)
/// </summary>
public sealed class DnsKeyResolverCacheTests
{
    private const string Name = "sel._domainkey.example.com";

    private readonly FakeTimeProvider _clock = new();

    private DnsKeyResolver ResolverFor(LoopbackDnsServer dns) =>
        new(new DnsKeyResolverSettings([dns.EndPoint], TimeSpan.FromSeconds(5)), _clock);

    private static Task<KeyLookupResult> LookUp(DnsKeyResolver resolver, string selector = "sel", string domain = "example.com") =>
        resolver.LookupAsync(selector, domain, CancellationToken.None);

    [Fact]
    public async Task A_found_key_is_reused_within_its_TTL_and_asked_again_after()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetTxt(Name, 300, "v=DKIM1; p=abc");
        using var resolver = ResolverFor(dns);

        var first = await LookUp(resolver);
        _clock.Advance(TimeSpan.FromSeconds(299));
        var second = await LookUp(resolver);

        Assert.Equal(KeyLookupStatus.Found, second.Status);
        Assert.Equal(first.Records, second.Records);
        Assert.Equal(1, dns.QueryCount(Name));

        dns.SetTxt(Name, 300, "v=DKIM1; p=rotated");
        _clock.Advance(TimeSpan.FromSeconds(2));
        var third = await LookUp(resolver);

        Assert.Equal("v=DKIM1; p=rotated", Assert.Single(third.Records));
        Assert.Equal(2, dns.QueryCount(Name));
    }

    [Fact]
    public async Task The_shortest_TTL_among_the_records_counts()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.AddTxt(Name, 3600, "v=DKIM1; p=long");
        dns.AddTxt(Name, 100, "v=DKIM1; p=short");
        using var resolver = ResolverFor(dns);

        await LookUp(resolver);
        _clock.Advance(TimeSpan.FromSeconds(99));
        await LookUp(resolver);
        Assert.Equal(1, dns.QueryCount(Name));

        _clock.Advance(TimeSpan.FromSeconds(2));
        await LookUp(resolver);
        Assert.Equal(2, dns.QueryCount(Name));
    }

    [Fact]
    public async Task A_found_key_is_kept_at_most_a_day_whatever_its_TTL()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetTxt(Name, 7 * 86400, "v=DKIM1; p=abc");
        using var resolver = ResolverFor(dns);

        await LookUp(resolver);
        _clock.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        await LookUp(resolver);
        Assert.Equal(1, dns.QueryCount(Name));

        _clock.Advance(TimeSpan.FromSeconds(2));
        await LookUp(resolver);
        Assert.Equal(2, dns.QueryCount(Name));
    }

    [Fact]
    public async Task A_TTL_of_zero_is_not_kept()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetTxt(Name, 0, "v=DKIM1; p=abc");
        using var resolver = ResolverFor(dns);

        await LookUp(resolver);
        await LookUp(resolver);

        Assert.Equal(2, dns.QueryCount(Name));
    }

    [Fact]
    public async Task NXDOMAIN_is_kept_for_the_SOA_minimum()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNxDomain(Name, soaMinimum: 120);
        using var resolver = ResolverFor(dns);

        await LookUp(resolver);
        _clock.Advance(TimeSpan.FromSeconds(119));
        var cached = await LookUp(resolver);

        Assert.Equal(KeyLookupStatus.NotFound, cached.Status);
        Assert.Equal(1, dns.QueryCount(Name));

        dns.SetTxt(Name, 300, "v=DKIM1; p=published");
        _clock.Advance(TimeSpan.FromSeconds(2));
        var fresh = await LookUp(resolver);

        Assert.Equal(KeyLookupStatus.Found, fresh.Status);
        Assert.Equal(2, dns.QueryCount(Name));
    }

    [Fact]
    public async Task No_TXT_record_is_kept_for_the_SOA_minimum()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNoData(Name, soaMinimum: 30);
        using var resolver = ResolverFor(dns);

        await LookUp(resolver);
        _clock.Advance(TimeSpan.FromSeconds(29));
        await LookUp(resolver);
        Assert.Equal(1, dns.QueryCount(Name));

        _clock.Advance(TimeSpan.FromSeconds(2));
        await LookUp(resolver);
        Assert.Equal(2, dns.QueryCount(Name));
    }

    [Fact]
    public async Task A_missing_key_is_kept_at_most_an_hour_whatever_the_SOA_says()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNxDomain(Name, soaMinimum: 86400);
        using var resolver = ResolverFor(dns);

        await LookUp(resolver);
        _clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await LookUp(resolver);

        Assert.Equal(2, dns.QueryCount(Name));
    }

    [Theory]
    [InlineData(LoopbackDnsBehaviour.ServFail)]
    [InlineData(LoopbackDnsBehaviour.Refused)]
    public async Task A_temporary_failure_is_not_kept(LoopbackDnsBehaviour behaviour)
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        if (behaviour == LoopbackDnsBehaviour.ServFail)
        {
            dns.SetServFail(Name);
        }
        else
        {
            dns.SetRefused(Name);
        }

        using var resolver = ResolverFor(dns);

        var failed = await LookUp(resolver);
        var queriesForOneLookUp = dns.QueryCount(Name);
        dns.SetTxt(Name, 300, "v=DKIM1; p=back");
        var recovered = await LookUp(resolver);

        Assert.Equal(KeyLookupStatus.TemporaryFailure, failed.Status);
        Assert.Equal(KeyLookupStatus.Found, recovered.Status);
        Assert.Equal(queriesForOneLookUp + 1, dns.QueryCount(Name));
    }

    [Fact]
    public async Task Concurrent_look_ups_of_one_name_share_one_query()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetTxt(Name, 300, "v=DKIM1; p=abc");
        // Real time, on the server: long enough for all look-ups to start while the query is out.
        dns.SetDelay(Name, TimeSpan.FromMilliseconds(300));
        using var resolver = ResolverFor(dns);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => LookUp(resolver))));

        Assert.All(results, r => Assert.Equal("v=DKIM1; p=abc", Assert.Single(r.Records)));
        Assert.Equal(1, dns.QueryCount(Name));
    }

    [Fact]
    public async Task Names_are_compared_case_insensitively()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetTxt(Name, 300, "v=DKIM1; p=abc");
        using var resolver = ResolverFor(dns);

        await LookUp(resolver, "Sel", "Example.COM");
        var second = await LookUp(resolver, "sel", "example.com");
        var third = await LookUp(resolver, "SEL", "EXAMPLE.COM.");

        Assert.Equal(KeyLookupStatus.Found, second.Status);
        Assert.Equal(KeyLookupStatus.Found, third.Status);
        Assert.Equal(1, dns.QueryCount(Name));
    }

    [Fact]
    public async Task Different_names_are_cached_apart()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetTxt(Name, 300, "v=DKIM1; p=one");
        dns.SetTxt("other._domainkey.example.com", 300, "v=DKIM1; p=two");
        using var resolver = ResolverFor(dns);

        var one = await LookUp(resolver);
        var two = await LookUp(resolver, "other");

        Assert.Equal("v=DKIM1; p=one", Assert.Single(one.Records));
        Assert.Equal("v=DKIM1; p=two", Assert.Single(two.Records));
        Assert.Equal(2, resolver.Cache.Count);
    }
}
