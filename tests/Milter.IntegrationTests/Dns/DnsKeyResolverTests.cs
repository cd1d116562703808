using System.Diagnostics;
using System.Net;
using Milter.Daemon.Dns;
using Milter.Dkim.Verification;

namespace Milter.IntegrationTests.Dns;

/// <summary>The resolver against <see cref="LoopbackDnsServer"/>: every answer mapping, large keys, time limits.</summary>
public sealed class DnsKeyResolverTests
{
    private const string Name = "sel._domainkey.example.com";

    private static DnsKeyResolver ResolverFor(LoopbackDnsServer dns, double timeoutSeconds = 5) =>
        new(new DnsKeyResolverSettings([dns.EndPoint], TimeSpan.FromSeconds(timeoutSeconds)), TimeProvider.System);

    // The size of a 4096-bit RSA key record: a 550-byte SubjectPublicKeyInfo is 736 base64 characters.
    private static string Rsa4096SizedRecord()
    {
        var spki = new byte[550];
        new Random(4096).NextBytes(spki);
        return "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(spki);
    }

    [Fact]
    public async Task A_records_strings_are_joined_without_separator()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetTxt(Name, 300, "v=DKIM1; k=rsa; ", "p=MIGfMA0", "GCSqGSIb3");
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.Found, result.Status);
        Assert.Equal("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3", Assert.Single(result.Records));
        Assert.Null(result.Error);
    }

    [Fact]
    public async Task Several_records_are_kept_apart()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.AddTxt(Name, 300, "v=DKIM1; p=first");
        dns.AddTxt(Name, 300, "v=DKIM1; ", "p=second");
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.Found, result.Status);
        Assert.Equal(["v=DKIM1; p=first", "v=DKIM1; p=second"], result.Records);
    }

    [Fact]
    public async Task A_4096_bit_key_record_comes_in_one_EDNS_datagram()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        var record = Rsa4096SizedRecord();
        dns.SetKeyRecord("sel", "example.com", record);
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.Found, result.Status);
        Assert.Equal(record, Assert.Single(result.Records));
        Assert.Equal(3, LoopbackDnsServer.SplitIntoStrings(record).Count);
        // DnsClient offers a 4096-byte EDNS buffer, so the ~800-byte answer needs neither truncation nor TCP.
        var query = Assert.Single(dns.Queries);
        Assert.Equal(DnsTransport.Udp, query.Transport);
        Assert.Equal(4096, query.EdnsPayloadSize);
    }

    [Fact]
    public async Task A_key_record_too_large_for_the_servers_UDP_buffer_is_fetched_over_TCP()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.MaxUdpPayloadSize = 512;
        var record = Rsa4096SizedRecord();
        dns.SetKeyRecord("sel", "example.com", record);
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.Found, result.Status);
        Assert.Equal(record, Assert.Single(result.Records));
        Assert.Equal([DnsTransport.Udp, DnsTransport.Tcp], dns.Queries.Select(q => q.Transport));
    }

    [Fact]
    public async Task NXDOMAIN_is_not_found()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNxDomain(Name);
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupResult.NotFound("NXDOMAIN").Status, result.Status);
        Assert.Equal("NXDOMAIN", result.Error);
        Assert.Empty(result.Records);
    }

    [Fact]
    public async Task A_name_without_TXT_records_is_not_found()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNoData(Name);
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.NotFound, result.Status);
        Assert.Equal("no TXT record", result.Error);
    }

    [Fact]
    public async Task SERVFAIL_is_a_temporary_failure_naming_the_server()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetServFail(Name);
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.TemporaryFailure, result.Status);
        Assert.Equal($"SERVFAIL from 127.0.0.1:{dns.Port}", result.Error);
    }

    [Fact]
    public async Task REFUSED_is_a_temporary_failure()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetRefused(Name);
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.TemporaryFailure, result.Status);
        Assert.Equal($"REFUSED from 127.0.0.1:{dns.Port}", result.Error);
    }

    [Fact]
    public async Task A_server_that_never_answers_gives_a_temporary_failure_within_the_timeout()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNoAnswer(Name);
        using var resolver = ResolverFor(dns, timeoutSeconds: 1);

        var clock = Stopwatch.StartNew();
        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);
        clock.Stop();

        Assert.Equal(KeyLookupStatus.TemporaryFailure, result.Status);
        Assert.Equal("timed out after 1 s", result.Error);
        // A behaviour bound, not a benchmark: the limit covers retries, and slack covers a loaded machine.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        // The one second was shared by two tries rather than spent on one.
        Assert.Equal(2, dns.QueryCount(Name));
    }

    [Fact]
    public async Task A_closed_port_gives_a_temporary_failure_within_the_timeout()
    {
        IPEndPoint closed;
        await using (var dns = await LoopbackDnsServer.StartAsync())
        {
            closed = dns.EndPoint;
        }

        using var resolver = new DnsKeyResolver(new DnsKeyResolverSettings([closed], TimeSpan.FromSeconds(1)), TimeProvider.System);

        var clock = Stopwatch.StartNew();
        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.TemporaryFailure, result.Status);
        Assert.False(string.IsNullOrEmpty(result.Error));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task The_next_server_is_asked_when_the_first_fails()
    {
        await using var failing = await LoopbackDnsServer.StartAsync();
        await using var working = await LoopbackDnsServer.StartAsync();
        failing.SetServFail(Name);
        working.SetTxt(Name, 300, "v=DKIM1; p=abc");
        using var resolver = new DnsKeyResolver(
            new DnsKeyResolverSettings([failing.EndPoint, working.EndPoint], TimeSpan.FromSeconds(5)), TimeProvider.System);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.Found, result.Status);
        Assert.Equal(1, failing.QueryCount(Name));
        Assert.Equal(1, working.QueryCount(Name));
    }

    [Fact]
    public async Task A_dead_first_server_costs_only_its_share_of_the_timeout()
    {
        await using var dead = await LoopbackDnsServer.StartAsync();
        await using var working = await LoopbackDnsServer.StartAsync();
        dead.SetNoAnswer(Name);
        working.SetTxt(Name, 300, "v=DKIM1; p=abc");
        // Two servers, two rounds: each try gets a quarter of the 2 s.
        using var resolver = new DnsKeyResolver(
            new DnsKeyResolverSettings([dead.EndPoint, working.EndPoint], TimeSpan.FromSeconds(2)), TimeProvider.System);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.Found, result.Status);
        Assert.Equal(1, dead.QueryCount(Name));
    }

    [Fact]
    public async Task All_servers_failing_are_all_reported()
    {
        await using var first = await LoopbackDnsServer.StartAsync();
        await using var second = await LoopbackDnsServer.StartAsync();
        first.SetServFail(Name);
        second.SetRefused(Name);
        using var resolver = new DnsKeyResolver(
            new DnsKeyResolverSettings([first.EndPoint, second.EndPoint], TimeSpan.FromSeconds(5)), TimeProvider.System);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.TemporaryFailure, result.Status);
        Assert.Equal($"SERVFAIL from 127.0.0.1:{first.Port}; REFUSED from 127.0.0.1:{second.Port}", result.Error);
    }

    [Fact]
    public async Task A_CNAME_chain_is_followed_to_the_TXT_record()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetCname(Name, "sel.keys.example.net", ttl: 600);
        dns.SetTxt("sel.keys.example.net", 300, "v=DKIM1; ", "p=xyz");
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync("sel", "example.com", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.Found, result.Status);
        Assert.Equal("v=DKIM1; p=xyz", Assert.Single(result.Records));
    }

    [Fact]
    public async Task A_trailing_dot_on_the_domain_asks_the_same_name()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetTxt(Name, 300, "v=DKIM1; p=abc");
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync("sel", "example.com.", CancellationToken.None);

        Assert.Equal(KeyLookupStatus.Found, result.Status);
    }

    [Theory]
    [InlineData("ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss", "example.com")]
    [InlineData("sel", "example..com")]
    [InlineData("", "example.com")]
    public async Task A_name_DNS_cannot_carry_is_not_found_without_a_query(string selector, string domain)
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        using var resolver = ResolverFor(dns);

        var result = await resolver.LookupAsync(selector, domain, CancellationToken.None);

        Assert.Equal(KeyLookupStatus.NotFound, result.Status);
        Assert.EndsWith("is not a valid DNS name", result.Error, StringComparison.Ordinal);
        Assert.Empty(dns.Queries);
    }

    [Fact]
    public void Without_Nameservers_the_servers_of_resolv_conf_are_asked()
    {
        var configured = File.Exists("/etc/resolv.conf")
            ? File.ReadAllLines("/etc/resolv.conf")
                .Select(line => line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                .Where(words => words.Length >= 2 && words[0] == "nameserver" && IPAddress.TryParse(words[1], out _))
                .Select(words => new IPEndPoint(IPAddress.Parse(words[1]), 53))
                .ToList()
            : [];
        if (configured.Count == 0)
        {
            var ex = Assert.Throws<InvalidOperationException>(() => new DnsKeyResolver(DnsKeyResolverSettings.Default, TimeProvider.System));
            Assert.Contains("Nameservers", ex.Message, StringComparison.Ordinal);
            return;
        }

        using var resolver = new DnsKeyResolver(DnsKeyResolverSettings.Default, TimeProvider.System);

        // IPv4 entries compared only: DnsClient leaves out IPv6 site-local ones, which a container may list.
        Assert.All(configured.Where(s => s.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork), s => Assert.Contains(s, resolver.Nameservers));
        Assert.NotEmpty(resolver.Nameservers);
    }

    [Fact]
    public async Task A_caller_giving_up_stops_waiting()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNoAnswer(Name);
        using var resolver = ResolverFor(dns, timeoutSeconds: 30);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resolver.LookupAsync("sel", "example.com", cancel.Token));
    }

    [Fact]
    public async Task Disposing_ends_queries_in_flight_and_refuses_new_ones()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNoAnswer(Name);
        var resolver = ResolverFor(dns, timeoutSeconds: 30);
        var pending = resolver.LookupAsync("sel", "example.com", CancellationToken.None);
        await WaitUntilAsync(() => dns.QueryCount(Name) > 0);

        resolver.Dispose();
        var result = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(KeyLookupStatus.TemporaryFailure, result.Status);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => resolver.LookupAsync("sel", "example.com", CancellationToken.None));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "condition not met within 10 s");
            await Task.Delay(10);
        }
    }
}
