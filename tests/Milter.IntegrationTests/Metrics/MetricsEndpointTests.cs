using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.Handler;
using Milter.IntegrationTests.Operations;
using Milter.IntegrationTests.Postfix;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.Metrics;

/// <summary>
/// MetricsSocket on the real daemon: mail signed and verified through it (keys from the loopback DNS server), a
/// protocol error, then the endpoint scraped over HTTP before and after: every documented series is there and the
/// ones this traffic touches have grown. Without the option no listener is opened; an address that is not loopback
/// stops the start with the file and line.
/// </summary>
public sealed class MetricsEndpointTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly OperationsRig _rig = new();
    private LoopbackDnsServer _dns = null!;

    /// <summary>Every series the documentation lists (docs/OPERATIONS.md, "Metrics"), by the sample that shows it.</summary>
    private static readonly string[] DocumentedSeries =
    [
        "dkim_milter_messages_signed_total{result=\"signed\"}",
        "dkim_milter_messages_signed_total{result=\"key_unusable\"}",
        "dkim_milter_messages_signed_total{result=\"error\"}",
        "dkim_milter_messages_verified_total{result=\"pass\"}",
        "dkim_milter_messages_verified_total{result=\"fail\"}",
        "dkim_milter_messages_verified_total{result=\"neutral\"}",
        "dkim_milter_messages_verified_total{result=\"policy\"}",
        "dkim_milter_messages_verified_total{result=\"temperror\"}",
        "dkim_milter_messages_verified_total{result=\"permerror\"}",
        "dkim_milter_messages_verified_total{result=\"none\"}",
        "dkim_milter_messages_total{action=\"accept\"}",
        "dkim_milter_messages_total{action=\"tempfail\"}",
        "dkim_milter_messages_total{action=\"reject\"}",
        "dkim_milter_messages_total{action=\"discard\"}",
        "dkim_milter_messages_total{action=\"quarantine\"}",
        "dkim_milter_step_duration_seconds_count{step=\"connect\"}",
        "dkim_milter_step_duration_seconds_count{step=\"helo\"}",
        "dkim_milter_step_duration_seconds_count{step=\"mail\"}",
        "dkim_milter_step_duration_seconds_count{step=\"rcpt\"}",
        "dkim_milter_step_duration_seconds_count{step=\"data\"}",
        "dkim_milter_step_duration_seconds_count{step=\"unknown\"}",
        "dkim_milter_step_duration_seconds_count{step=\"header\"}",
        "dkim_milter_step_duration_seconds_count{step=\"eoh\"}",
        "dkim_milter_step_duration_seconds_count{step=\"body\"}",
        "dkim_milter_step_duration_seconds_count{step=\"eom\"}",
        "dkim_milter_step_duration_seconds_sum{step=\"eom\"}",
        "dkim_milter_step_duration_seconds_bucket{step=\"eom\",le=\"0.001\"}",
        "dkim_milter_step_duration_seconds_bucket{step=\"eom\",le=\"+Inf\"}",
        "dkim_milter_dns_key_cache_hits_total",
        "dkim_milter_dns_key_cache_misses_total",
        "dkim_milter_dns_errors_total",
        "dkim_milter_active_sessions",
        "dkim_milter_waiting_connections",
        "dkim_milter_connections_total",
        "dkim_milter_errors_total{kind=\"handler\"}",
        "dkim_milter_errors_total{kind=\"protocol\"}",
        "dkim_milter_errors_total{kind=\"signing\"}",
        "dkim_milter_errors_total{kind=\"verification\"}",
        "dkim_milter_dataset_lookups_total{backend=\"file\",result=\"found\"}",
        "dkim_milter_dataset_lookups_total{backend=\"refile\",result=\"error\"}",
        "dkim_milter_dataset_lookups_total{backend=\"refile\",result=\"found\"}",
        "dkim_milter_dataset_lookups_total{backend=\"refile\",result=\"not_found\"}",
        "dkim_milter_dataset_lookups_total{backend=\"csl\",result=\"error\"}",
        "dkim_milter_dataset_lookups_total{backend=\"pgsql\",result=\"found\"}",
        "dkim_milter_dataset_lookups_total{backend=\"pgsql\",result=\"not_found\"}",
        "dkim_milter_dataset_lookups_total{backend=\"pgsql\",result=\"error\"}",
    ];

    /// <summary>What the traffic of <see cref="Every_series_is_present_and_the_ones_mail_touches_move"/> must increase.</summary>
    private static readonly string[] MovedSeries =
    [
        "dkim_milter_messages_signed_total{result=\"signed\"}",
        "dkim_milter_messages_verified_total{result=\"pass\"}",
        "dkim_milter_messages_verified_total{result=\"fail\"}",
        "dkim_milter_messages_verified_total{result=\"temperror\"}",
        "dkim_milter_messages_verified_total{result=\"none\"}",
        "dkim_milter_messages_total{action=\"accept\"}",
        "dkim_milter_messages_total{action=\"tempfail\"}",
        "dkim_milter_messages_total{action=\"reject\"}",
        "dkim_milter_step_duration_seconds_count{step=\"connect\"}",
        "dkim_milter_step_duration_seconds_count{step=\"mail\"}",
        "dkim_milter_step_duration_seconds_count{step=\"rcpt\"}",
        "dkim_milter_step_duration_seconds_count{step=\"header\"}",
        "dkim_milter_step_duration_seconds_count{step=\"eoh\"}",
        "dkim_milter_step_duration_seconds_count{step=\"body\"}",
        "dkim_milter_step_duration_seconds_count{step=\"eom\"}",
        "dkim_milter_step_duration_seconds_sum{step=\"eom\"}",
        "dkim_milter_step_duration_seconds_bucket{step=\"eom\",le=\"+Inf\"}",
        "dkim_milter_dns_key_cache_hits_total",
        "dkim_milter_dns_key_cache_misses_total",
        "dkim_milter_dns_errors_total",
        "dkim_milter_connections_total",
        "dkim_milter_errors_total{kind=\"protocol\"}",
        "dkim_milter_dataset_lookups_total{backend=\"refile\",result=\"found\"}",
    ];

    public async Task InitializeAsync()
    {
        _dns = await LoopbackDnsServer.StartAsync();
        _dns.SetKeyRecord("mail", "example.com", TestKeys.RsaRecord);
        _dns.SetServFail("gone._domainkey.example.com");
    }

    public async Task DisposeAsync() => await _dns.DisposeAsync();

    /// <summary>Stops every daemon the test started and removes the directory.</summary>
    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Every_series_is_present_and_the_ones_mail_touches_move()
    {
        var (daemon, port, metricsPort) = await StartWithMetricsAsync();
        var milter = OperationsRig.Loopback(port);
        using var http = new HttpClient { Timeout = Wait };
        string url = $"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}/metrics";

        var before = Parse(await http.GetStringAsync(url));
        Assert.All(DocumentedSeries, series => Assert.True(before.ContainsKey(series), $"{series} is missing:\n{Dump(before)}"));

        // An open session shows in the gauge while it is open.
        await using (var idle = await MilterClient.ConnectAsync(milter))
        {
            await idle.NegotiateAsync(MtaProfile.Postfix6);
            await WaitForAsync(http, url, "dkim_milter_active_sessions", value => value >= 1);
        }

        // Signed (internal client), then that signature verified from outside: pass, and pass again from the key cache.
        string signature = await SignAsync(milter, "MQ1");
        byte[] signedMessage = WithSignature(signature, "MQ1", "body of MQ1");
        var pass = await SendAsync(milter, "192.0.2.10", signedMessage, "MQ2");
        Assert.Contains("dkim=pass", ResultsOf(pass), StringComparison.Ordinal);
        Assert.Contains("dkim=pass", ResultsOf(await SendAsync(milter, "192.0.2.10", signedMessage, "MQ3")), StringComparison.Ordinal);
        // A changed body: fail, rejected (On-BadSignature). A selector whose key query gets SERVFAIL: temperror,
        // tempfailed (On-DNSError).
        var fail = await SendAsync(milter, "192.0.2.10", WithSignature(signature, "MQ1", "changed body"), "MQ4");
        Assert.True(fail.Final is ReplyWithCodeReply { Text: ['5', ..] }, $"{fail.Final} at {fail.DecidedAt}");
        var temp = await SendAsync(milter, "192.0.2.10", WithSignature(signature.Replace("s=mail", "s=gone", StringComparison.Ordinal), "MQ1", "body of MQ1"), "MQ5");
        Assert.True(temp.Final is ReplyWithCodeReply { Text: ['4', ..] }, $"{temp.Final} at {temp.DecidedAt}: {ResultsOf(temp)}");
        // Unsigned mail from outside: none.
        await SendAsync(milter, "192.0.2.10", OperationsRig.Message("MQ6"), "MQ6");
        // A packet of length 0: a protocol error.
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, port);
            await raw.GetStream().WriteAsync(new byte[] { 0, 0, 0, 0 });
            await daemon.WaitForOutputAsync("protocol error", Wait);
        }

        var after = await WaitForAsync(http, url, "dkim_milter_errors_total{kind=\"protocol\"}", value => value > before["dkim_milter_errors_total{kind=\"protocol\"}"]);
        Assert.All(DocumentedSeries, series => Assert.True(after.ContainsKey(series), $"{series} is missing after the mail:\n{Dump(after)}"));
        Assert.All(MovedSeries, series => Assert.True(after[series] > before[series], $"{series} did not move: {before[series]} -> {after[series]}"));
        Assert.Equal(2, after["dkim_milter_messages_verified_total{result=\"pass\"}"] - before["dkim_milter_messages_verified_total{result=\"pass\"}"]);
        Assert.True(after["dkim_milter_dns_key_cache_hits_total"] - before["dkim_milter_dns_key_cache_hits_total"] >= 2);
        Assert.Equal(0, after["dkim_milter_errors_total{kind=\"signing\"}"]);
        Assert.StartsWith("text/plain", (await http.GetAsync(url)).Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.Contains($"metrics served at {url}", daemon.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_MetricsSocket_the_daemon_listens_on_its_milter_socket_only()
    {
        var (plain, _) = await _rig.StartOnFreePortAsync(port => $"inet:{port}@127.0.0.1");
        Assert.Equal(1, ListeningSockets(plain.Pid));
        Assert.DoesNotContain("metrics served", plain.Output, StringComparison.Ordinal);
        await plain.StopAsync(Wait);

        var (withMetrics, _, _) = await StartWithMetricsAsync();
        Assert.Equal(2, ListeningSockets(withMetrics.Pid));
    }

    [Theory]
    [InlineData("inet:9464@192.0.2.1", "not a loopback address ('inet:9464@192.0.2.1': 192.0.2.1 is not a loopback address;")]
    [InlineData("inet6:9464@[2001:db8::1]", "not a loopback address ('inet6:9464@[2001:db8::1]': 2001:db8::1 is not a loopback address;")]
    [InlineData("inet:9464", "not a loopback address ('inet:9464' listens on every address;")]
    [InlineData("inet:9464@mail.example.com", "not a loopback address ('inet:9464@mail.example.com': mail.example.com is not a loopback address;")]
    [InlineData("local:/run/dkim-metrics.sock", "illegal value ('local:/run/dkim-metrics.sock' is not a TCP address;")]
    public async Task An_address_other_than_loopback_stops_start_up_with_file_and_line(string value, string error)
    {
        string config = _rig.WriteConfig("inet:8891@127.0.0.1", $"Mode s\nMetricsSocket {value}\n");

        var (exitCode, output) = await DaemonProcess.RunAsync("-x", config, "-f");

        Assert.Equal(78, exitCode);
        Assert.Contains($"{config}: configuration error at line 5: {error}", output, StringComparison.Ordinal);
    }

    private async Task<(DaemonProcess Daemon, int Port, int MetricsPort)> StartWithMetricsAsync()
    {
        int metricsPort = FreePort.Pick();
        var (daemon, port) = await _rig.StartOnFreePortAsync(port => $"inet:{port}@127.0.0.1",
            $"Canonicalization relaxed/relaxed\nOn-BadSignature reject\nOn-DNSError tempfail\nNameservers {_dns.NameserversValue}\nMetricsSocket inet:{metricsPort.ToString(CultureInfo.InvariantCulture)}@127.0.0.1\n");
        return (daemon, port, metricsPort);
    }

    /// <summary>Listening TCP sockets among the process's descriptors (/proc/PID/fd against /proc/net/tcp and tcp6).</summary>
    private static int ListeningSockets(int pid)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (string fd in Directory.GetFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd"))
        {
            if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                inodes.Add(target["socket:[".Length..^1]);
            }
        }

        int listening = 0;
        foreach (string table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields[3] == "0A" && inodes.Contains(fields[9]))
                {
                    listening++;
                }
            }
        }

        return listening;
    }

    private static async Task<string> SignAsync(EndPoint milter, string queueId)
    {
        var result = await SendAsync(milter, "127.0.0.1", OperationsRig.Message(queueId), queueId);
        Assert.True(result.Final.Code is ReplyCode.Continue or ReplyCode.Accept, $"{queueId}: {result.Final} at {result.DecidedAt}");
        var signature = Assert.Single(result.Modifications.OfType<InsertHeaderReply>(), insert => insert.Name == "DKIM-Signature");
        return Encoding.ASCII.GetString(signature.Value.Span);
    }

    /// <summary>The message <paramref name="signedQueueId"/> with <paramref name="signature"/> on top and <paramref name="body"/>.</summary>
    private static byte[] WithSignature(string signature, string signedQueueId, string body)
    {
        string message = Encoding.ASCII.GetString(OperationsRig.Message(signedQueueId));
        string headers = message[..(message.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2)];
        string field = "DKIM-Signature:" + signature.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        return Encoding.ASCII.GetBytes($"{field}\r\n{headers}\r\n{body}\r\n");
    }

    private static async Task<MessageResult> SendAsync(EndPoint milter, string clientAddress, byte[] message, string queueId)
    {
        await using var client = await MilterClient.ConnectAsync(milter);
        await client.NegotiateAsync(MtaProfile.Postfix6);
        await client.ConnectAsync(clientAddress == "127.0.0.1" ? "localhost" : "mx.example.org", ConnectionFamily.Inet, 40000, clientAddress);
        await client.MailAsync(["<alice@example.com>"], [new("i", queueId)]);
        await client.RecipientAsync(["<bob@example.net>"], [new("i", queueId)]);
        var result = await client.SendContentAsync(message, queueId);
        await client.QuitAsync();
        return result;
    }

    private static string ResultsOf(MessageResult result) =>
        string.Join("\n", result.Modifications.OfType<InsertHeaderReply>().Where(insert => insert.Name == "Authentication-Results")
            .Select(insert => Encoding.ASCII.GetString(insert.Value.Span)));

    /// <summary>Scrapes until <paramref name="series"/> satisfies <paramref name="condition"/> (the session ends after the client's close).</summary>
    private static async Task<Dictionary<string, double>> WaitForAsync(HttpClient http, string url, string series, Func<double, bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var samples = Parse(await http.GetStringAsync(url));
            if (samples.TryGetValue(series, out double value) && condition(value))
            {
                return samples;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{series} never got there:\n{Dump(samples)}");
            await Task.Delay(100);
        }
    }

    /// <summary>The text format's samples: series (name and labels, as written) to value.</summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return samples;
    }

    private static string Dump(Dictionary<string, double> samples) =>
        string.Join("\n", samples.Where(sample => sample.Key.StartsWith("dkim_milter_", StringComparison.Ordinal)).Select(sample => $"{sample.Key} {sample.Value}"));
}
