using System.Net;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Daemon.Dkim;
using Milter.Daemon.Dns;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.Handler;
using Milter.Protocol.Client;
using Milter.Protocol.Server;

namespace Milter.IntegrationTests.DnsFaults;

/// <summary>
/// The verify path as the daemon runs it, DNS included: a <see cref="LoopbackDnsServer"/> the test makes misbehave,
/// the daemon's <see cref="DnsKeyResolver"/> (one shared cache, DNSTimeout for the whole look-up) pointed at it,
/// a <see cref="DkimFilter"/> built from configuration text and one <see cref="DkimMilterHandler"/> per MTA
/// connection behind a <see cref="MilterServer"/> on 127.0.0.1. The handler tests' <see cref="HandlerRig"/> does
/// the same with a fake resolver; here the packets are real.
/// </summary>
internal sealed class DnsFaultRig : IAsyncDisposable
{
    /// <summary>The signer whose mail is verified: example.net, RSA 2048 (TestKeys.Rsa).</summary>
    public const string SignerDomain = "example.net";

    /// <summary>Our name in Authentication-Results, and log lines for every result.</summary>
    public const string BaseConfig = "AuthservID test.example\nLogResults yes\nSyslogSuccess yes\n";

    private readonly MilterServer _server;
    private readonly CurrentFilter _filters;
    private readonly DnsKeyResolver _resolver;

    private DnsFaultRig(LoopbackDnsServer dns, DnsKeyResolver resolver, DkimFilter filter, TimeSpan dnsTimeout)
    {
        Dns = dns;
        _resolver = resolver;
        DnsTimeout = dnsTimeout;
        _filters = new CurrentFilter(filter);
        _server = new MilterServer(new IPEndPoint(IPAddress.Loopback, 0), () => new DkimMilterHandler(_filters, Log), loggerFactory: new RecordingLoggerFactory(Log));
        _server.Start();
        Port = ((IPEndPoint)_server.LocalEndPoint).Port;
    }

    public LoopbackDnsServer Dns { get; }

    /// <summary>The handler's log lines and the protocol engine's.</summary>
    public RecordingLogger Log { get; } = new();

    /// <summary>DNSTimeout: the limit for one whole key look-up.</summary>
    public TimeSpan DnsTimeout { get; }

    public int Port { get; }

    /// <summary>Starts DNS, resolver and milter; <paramref name="extraConfig"/> is appended to <see cref="BaseConfig"/>.</summary>
    public static async Task<DnsFaultRig> StartAsync(TimeSpan dnsTimeout, string extraConfig = "")
    {
        var dns = await LoopbackDnsServer.StartAsync();
        var resolver = new DnsKeyResolver(new DnsKeyResolverSettings([dns.EndPoint], dnsTimeout), TimeProvider.System);
        try
        {
            var config = ConfigFileParser.Parse(BaseConfig + extraConfig, "opendkim.conf");
            var diagnostics = new List<ConfigDiagnostic>();
            var filter = DkimFilter.Build(config, resolver, diagnostics);
            Assert.DoesNotContain(diagnostics, diagnostic => diagnostic.IsError);
            return new DnsFaultRig(dns, resolver, filter, dnsTimeout);
        }
        catch
        {
            resolver.Dispose();
            await dns.DisposeAsync();
            throw;
        }
    }

    /// <summary>A message from sender@example.net signed with <see cref="TestKeys.Rsa"/> under <paramref name="selector"/>.</summary>
    public static TestMessage SignedMessage(string selector) =>
        TestMessage.Create(from: "Sender <sender@example.net>").SignedBy(TestKeys.Rsa, SignerDomain, selector);

    /// <summary>The key name the resolver asks for.</summary>
    public static string KeyName(string selector) => $"{selector}._domainkey.{SignerDomain}";

    /// <summary>Publishes the signer's real key under <paramref name="selector"/>.</summary>
    public void PublishKey(string selector) => Dns.SetKeyRecord(selector, SignerDomain, TestKeys.RsaRecord);

    /// <summary>A connection from a foreign client (so mail is verified, not signed).</summary>
    public Task<MtaConnection> ConnectAsync() =>
        MtaConnection.OpenAsync(Port, MtaProfile.Postfix6, "mail.example.net", "192.0.2.1", null);

    /// <summary>The log lines of one message (they start with its queue id).</summary>
    public IReadOnlyList<string> LinesOf(string queueId) =>
        Log.Lines.Select(line => line.Message).Where(message => message.StartsWith(queueId + ": ", StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _filters.Dispose();
        _resolver.Dispose();
        await Dns.DisposeAsync();
    }
}
