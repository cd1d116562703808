using System.Globalization;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.Postfix;
using Milter.IntegrationTests.Processes;
using Milter.IntegrationTests.Tools;

namespace Milter.IntegrationTests.Doctor;

/// <summary>
/// What a doctor test needs: a directory (mode 0755, so Postfix's user may pass), the loopback DNS server with
/// a key made by genkey for sel._domainkey.example.com, its SPF and DMARC records, a KeyTable and SigningTable,
/// and the means to write opendkim.conf, make Postfix configurations (not started unless asked), start the real
/// daemon, and run <c>dkim-milter doctor --json</c>. Disposing stops everything it started.
/// </summary>
internal sealed class DoctorRig : IAsyncDisposable
{
    public const string Domain = "example.com";
    public const string Selector = "sel";
    private readonly List<IAsyncDisposable> _started = [];

    private DoctorRig(string directory, LoopbackDnsServer dns, GeneratedKey key)
    {
        Directory = directory;
        Dns = dns;
        Key = key;
    }

    public string Directory { get; }

    public LoopbackDnsServer Dns { get; }

    public GeneratedKey Key { get; }

    public static async Task<DoctorRig> CreateAsync()
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("milter-doctor-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var dns = await LoopbackDnsServer.StartAsync();
        try
        {
            string keys = System.IO.Directory.CreateDirectory(Path.Combine(directory, "keys")).FullName;
            File.SetUnixFileMode(keys, (UnixFileMode)0b111_000_000);
            var key = await GeneratedKey.CreateAsync(keys, Domain, Selector);
            var rig = new DoctorRig(directory, dns, key);
            rig.PublishAll();
            return rig;
        }
        catch
        {
            await dns.DisposeAsync();
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>The key record (from genkey's .txt), SPF and DMARC: everything right.</summary>
    public void PublishAll()
    {
        Dns.SetTxt(Key.RecordName, 300, [.. Key.Record.Strings]);
        Dns.SetTxt(Domain, 300, "v=spf1 ip4:192.0.2.0/24 -all");
        Dns.SetTxt($"_dmarc.{Domain}", 300, "v=DMARC1; p=reject");
    }

    /// <summary>opendkim.conf: the Socket, Mode sv, the KeyTable and SigningTable for the key, the loopback DNS, then <paramref name="extra"/>.</summary>
    public string Config(string socket, params string[] extra)
    {
        string keyTable = Write($"KeyTable-{Guid.NewGuid():N}", $"k1 {Domain}:{Selector}:{Key.PrivatePath}\n");
        string signingTable = Write($"SigningTable-{Guid.NewGuid():N}", $"*@{Domain} k1\n");
        return Write($"opendkim-{Guid.NewGuid():N}.conf", string.Join('\n',
            [$"Socket {socket}", "Mode sv", $"KeyTable file:{keyTable}", $"SigningTable refile:{signingTable}",
             $"Nameservers {Dns.NameserversValue}", "DNSTimeout 3", .. extra, ""]));
    }

    /// <summary>A private Postfix's files (not started), calling the milter on 127.0.0.1:<paramref name="milterPort"/> unless <paramref name="mainCf"/> says otherwise.</summary>
    public async Task<PostfixInstance> PostfixAsync(int milterPort, int milterProtocol = 6, IReadOnlyDictionary<string, string>? mainCf = null, IReadOnlyCollection<string>? chrooted = null)
    {
        var postfix = await PostfixInstance.CreateAsync(milterPort, milterProtocol, mainCf, chrooted);
        _started.Add(postfix);
        return postfix;
    }

    /// <summary>A private Postfix, started.</summary>
    public async Task<PostfixInstance> StartedPostfixAsync(int milterPort, int milterProtocol = 6, IReadOnlyDictionary<string, string>? mainCf = null)
    {
        var postfix = await PostfixInstance.StartAsync(milterPort, milterProtocol, mainCf);
        _started.Add(postfix);
        return postfix;
    }

    /// <summary>The real daemon with <paramref name="config"/>, in the foreground; stopped at dispose.</summary>
    public async Task<DaemonProcess> DaemonAsync(string config)
    {
        var daemon = await DaemonProcess.StartAsync("-x", config, "-f");
        _started.Add(daemon);
        return daemon;
    }

    /// <summary><c>dkim-milter doctor -x CONFIG --postfix-config DIR --json</c>, its JSON read back.</summary>
    public static async Task<DoctorRun> DoctorAsync(string config, PostfixInstance postfix, IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [DaemonProcess.DaemonPath, "doctor", "-x", config, "--postfix-config", postfix.ConfigDirectory, "--json"],
            TimeSpan.FromSeconds(90), environment: environment);
        Assert.True(result.ExitCode is 0 or 1, result.ToString());
        var run = DoctorRun.Parse(result);
        Assert.Equal(run.Errors + run.Warnings > 0 ? 1 : 0, result.ExitCode);
        return run;
    }

    public static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public string Write(string name, string text)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var started in Enumerable.Reverse(_started))
        {
            await started.DisposeAsync();
        }

        await Dns.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
