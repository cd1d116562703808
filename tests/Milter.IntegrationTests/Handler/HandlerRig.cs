using System.Net;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Daemon.Dkim;
using Milter.Protocol.Client;
using Milter.Protocol.Server;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// The daemon's DKIM milter without the daemon: a configuration text (with <c>{dir}</c> standing for a private
/// directory holding the key files, KeyTable and SigningTable) built into a <see cref="DkimFilter"/> exactly as
/// Program.cs builds it, served by a <see cref="MilterServer"/> on 127.0.0.1 with one
/// <see cref="DkimMilterHandler"/> per connection, keys from <see cref="FakeKeyResolver"/>, log lines recorded.
/// </summary>
internal sealed class HandlerRig : IAsyncDisposable
{
    /// <summary>Our keys: example.com signs with the RSA key (selector mail) and can dual-sign with Ed25519 (ed).</summary>
    public const string DefaultKeyTable =
        "mail._domainkey.example.com example.com:mail:{dir}/" + TestKeys.RsaFile + "\n" +
        "ed._domainkey.example.com example.com:ed:{dir}/" + TestKeys.Ed25519File + "\n";

    public const string DefaultSigningTable = "*@example.com mail._domainkey.example.com\n";

    /// <summary>The lines that make the rig sign example.com with the tables above.</summary>
    public const string Tables = "KeyTable refile:{dir}/KeyTable\nSigningTable refile:{dir}/SigningTable\n";

    private readonly MilterServer _server;
    private readonly CurrentFilter _filters;
    private readonly bool _ownsDirectory;

    private HandlerRig(string directory, bool ownsDirectory, DkimFilter filter, FakeKeyResolver dns, RecordingLogger log, IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Filter = filter;
        Dns = dns;
        Log = log;
        Diagnostics = diagnostics;
        _filters = new CurrentFilter(filter);
        _server = new MilterServer(new IPEndPoint(IPAddress.Loopback, 0), () => new DkimMilterHandler(_filters, log));
        _server.Start();
        Port = ((IPEndPoint)_server.LocalEndPoint).Port;
    }

    public string Directory { get; }

    public DkimFilter Filter { get; }

    public FakeKeyResolver Dns { get; }

    public RecordingLogger Log { get; }

    /// <summary>What DkimFilter.Build reported (never an error: the rig refuses those).</summary>
    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    public int Port { get; }

    /// <summary>
    /// Builds and starts the milter. <paramref name="config"/> is opendkim.conf text; the tables are written to
    /// {dir} whether or not the configuration names them. DNS publishes <see cref="StandardDns"/> unless given.
    /// </summary>
    public static HandlerRig Start(string config, string keyTable = DefaultKeyTable, string signingTable = DefaultSigningTable,
        FakeKeyResolver? dns = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        string directory = System.IO.Directory.CreateTempSubdirectory("milter-handler-").FullName;
        try
        {
            TestKeys.WriteFiles(directory);
            File.WriteAllText(Path.Combine(directory, "KeyTable"), keyTable.Replace("{dir}", directory, StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(directory, "SigningTable"), signingTable.Replace("{dir}", directory, StringComparison.Ordinal));
            var parsed = ConfigFileParser.Parse(config.Replace("{dir}", directory, StringComparison.Ordinal), Path.Combine(directory, "opendkim.conf"));
            return Create(parsed, directory, ownsDirectory: true, dns, time);
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Serves an already parsed configuration (its files stay where they are, and stay after disposal).</summary>
    public static HandlerRig Serve(ConfigFile config, FakeKeyResolver? dns = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Create(config, Path.GetDirectoryName(config.Path)!, ownsDirectory: false, dns, time);
    }

    private static HandlerRig Create(ConfigFile config, string directory, bool ownsDirectory, FakeKeyResolver? dns, TimeProvider? time)
    {
        var diagnostics = new List<ConfigDiagnostic>();
        dns ??= StandardDns();
        var filter = DkimFilter.Build(config, dns, diagnostics, time);
        Assert.DoesNotContain(diagnostics, diagnostic => diagnostic.IsError);
        return new HandlerRig(directory, ownsDirectory, filter, dns, new RecordingLogger(), diagnostics);
    }

    /// <summary>
    /// The DNS every test sees unless it says otherwise: our keys at mail/ed._domainkey.example.com, a foreign
    /// signer's at sel2048._domainkey.example.net, a revoked key (empty p=) at revoked._domainkey.example.net and a
    /// SERVFAIL at servfail._domainkey.example.net. Anything else is NXDOMAIN.
    /// </summary>
    public static FakeKeyResolver StandardDns() => new FakeKeyResolver()
        .Publish("mail", "example.com", TestKeys.RsaRecord)
        .Publish("ed", "example.com", TestKeys.Ed25519Record)
        .Publish("sel2048", "example.net", TestKeys.RsaRecord)
        .Publish("revoked", "example.net", "v=DKIM1; k=rsa; p=")
        .FailTemporarily("servfail", "example.net", "SERVFAIL");

    /// <summary>An MTA connection as Postfix opens it: OPTNEG with <paramref name="profile"/> (Postfix 6 by default),
    /// then CONNECT from <paramref name="address"/>, with macro <c>j</c> when <paramref name="mtaName"/> is given.</summary>
    public Task<MtaConnection> ConnectAsync(string address = "127.0.0.1", string hostname = "localhost", MtaProfile? profile = null, string? mtaName = null) =>
        MtaConnection.OpenAsync(Port, profile ?? MtaProfile.Postfix6, hostname, address, mtaName);

    /// <summary>A foreign client, as in the measured OpenDKIM runs.</summary>
    public Task<MtaConnection> ConnectExternalAsync(MtaProfile? profile = null, string? mtaName = null) =>
        ConnectAsync("192.0.2.1", "mail.example.net", profile, mtaName);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _filters.Dispose();
        if (_ownsDirectory)
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
