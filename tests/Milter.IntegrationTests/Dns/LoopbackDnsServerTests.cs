using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Milter.IntegrationTests.Dns;

/// <summary>
/// The test server itself, spoken to with hand-made packets, so the resolver tests can trust what it does with
/// EDNS, truncation and TCP.
/// </summary>
public sealed class LoopbackDnsServerTests
{
    private const string Name = "sel._domainkey.example.com";

    [Fact]
    public async Task UDP_and_TCP_listen_on_the_same_loopback_port()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();

        Assert.Equal(IPAddress.Loopback, dns.EndPoint.Address);
        Assert.NotEqual(0, dns.Port);
        Assert.Equal($"127.0.0.1:{dns.Port}", dns.NameserversValue);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(dns.EndPoint);
    }

    [Fact]
    public async Task A_small_answer_comes_over_UDP_with_the_TXT_strings()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetTxt(Name, 123, "v=DKIM1; ", "p=abc");

        var response = await AskUdpAsync(dns, Query(Name, ednsSize: null));

        Assert.False(IsTruncated(response));
        Assert.Equal(0, Rcode(response));
        Assert.Equal(1, Count(response, 6));
        Assert.EndsWith("\u0009v=DKIM1; \u0005p=abc", System.Text.Encoding.ASCII.GetString(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_EDNS_an_answer_over_512_bytes_is_truncated()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetKeyRecord("sel", "example.com", new string('k', 700));

        var response = await AskUdpAsync(dns, Query(Name, ednsSize: null));

        Assert.True(IsTruncated(response));
        Assert.Equal(0, Count(response, 6));
        Assert.True(response.Length <= 512);
    }

    [Fact]
    public async Task With_EDNS_the_offered_size_is_honoured_and_an_OPT_comes_back()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetKeyRecord("sel", "example.com", new string('k', 700));

        var large = await AskUdpAsync(dns, Query(Name, ednsSize: 1232));
        var small = await AskUdpAsync(dns, Query(Name, ednsSize: 600));

        Assert.False(IsTruncated(large));
        Assert.Equal(1, Count(large, 6));
        Assert.Equal(1, Count(large, 10));
        Assert.True(IsTruncated(small));
        Assert.Equal(1232, dns.Queries[0].EdnsPayloadSize);
    }

    [Fact]
    public async Task The_servers_own_UDP_limit_applies_even_when_the_client_offers_more()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.MaxUdpPayloadSize = 512;
        dns.SetKeyRecord("sel", "example.com", new string('k', 700));

        var response = await AskUdpAsync(dns, Query(Name, ednsSize: 4096));

        Assert.True(IsTruncated(response));
    }

    [Fact]
    public async Task TCP_carries_the_whole_answer_and_several_queries_per_connection()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetKeyRecord("sel", "example.com", new string('k', 700));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(dns.EndPoint);
        var stream = tcp.GetStream();

        for (var i = 0; i < 2; i++)
        {
            var query = Query(Name, ednsSize: null);
            await stream.WriteAsync(new[] { (byte)(query.Length >> 8), (byte)query.Length });
            await stream.WriteAsync(query);
            var length = new byte[2];
            await stream.ReadExactlyAsync(length);
            var response = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
            await stream.ReadExactlyAsync(response);

            Assert.False(IsTruncated(response));
            Assert.Equal(1, Count(response, 6));
            Assert.True(response.Length > 700);
        }

        Assert.Equal(2, dns.TcpQueryCount(Name));
    }

    [Theory]
    [InlineData("nx", 3)]
    [InlineData("servfail", 2)]
    [InlineData("refused", 5)]
    [InlineData("unknown", 3)]
    public async Task Behaviours_give_their_response_codes(string behaviour, int rcode)
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        switch (behaviour)
        {
            case "nx":
                dns.SetNxDomain(Name, soaMinimum: 42);
                break;
            case "servfail":
                dns.SetServFail(Name);
                break;
            case "refused":
                dns.SetRefused(Name);
                break;
        }

        var response = await AskUdpAsync(dns, Query(Name, ednsSize: null));

        Assert.Equal(rcode, Rcode(response));
    }

    [Fact]
    public async Task No_answer_means_silence_and_the_query_is_still_counted()
    {
        await using var dns = await LoopbackDnsServer.StartAsync();
        dns.SetNoAnswer(Name);
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        await udp.SendAsync(Query(Name, ednsSize: null), dns.EndPoint);

        var receive = udp.ReceiveAsync();
        var finished = await Task.WhenAny(receive, Task.Delay(300));

        Assert.NotSame(receive, finished);
        Assert.Equal(1, dns.QueryCount("SEL._domainkey.EXAMPLE.com."));
    }

    [Fact]
    public void Key_records_are_split_into_255_byte_strings()
    {
        var strings = LoopbackDnsServer.SplitIntoStrings(new string('x', 600));

        Assert.Equal([255, 255, 90], strings.Select(s => s.Length));
    }

    private static async Task<byte[]> AskUdpAsync(LoopbackDnsServer dns, byte[] query)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        await udp.SendAsync(query, dns.EndPoint);
        var result = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5));
        return result.Buffer;
    }

    private static byte[] Query(string name, int? ednsSize)
    {
        var packet = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, (byte)(ednsSize is null ? 0 : 1) };
        packet.AddRange(DnsWireResponse.EncodeName(name));
        packet.AddRange(new byte[] { 0, 16, 0, 1 });
        if (ednsSize is { } size)
        {
            packet.AddRange(new byte[] { 0, 0, 41, (byte)(size >> 8), (byte)size, 0, 0, 0, 0, 0, 0 });
        }

        return [.. packet];
    }

    private static bool IsTruncated(byte[] response) => (response[2] & 0x02) != 0;

    private static int Rcode(byte[] response) => response[3] & 0x0F;

    // Header counts: offset 6 answers, 8 authority, 10 additional.
    private static int Count(byte[] response, int offset) => BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(offset));
}
