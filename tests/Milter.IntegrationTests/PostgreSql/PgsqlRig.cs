using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.EndToEnd;
using Milter.IntegrationTests.Postfix;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// One test's database (in the class's <see cref="PostgresCluster"/>) with a KeyTable (name, domain, selector, key)
/// and a SigningTable (pattern, keyname), optionally with the change-notification trigger docs/OPERATIONS.md gives
/// administrators; keys generated per domain (inline PEM in the table, or a file it names); and real daemons
/// reading both tables through dsn:pgsql://. Disposing stops the daemons and removes the directory.
/// </summary>
internal sealed class PgsqlRig : IAsyncDisposable
{
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The trigger of docs/OPERATIONS.md: NOTIFY dkim_milter with the changed row's key, old and new.</summary>
    public const string TriggerSql = """
        CREATE FUNCTION dkim_milter_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM pg_notify('dkim_milter', to_jsonb(OLD) ->> TG_ARGV[0]); END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM pg_notify('dkim_milter', to_jsonb(NEW) ->> TG_ARGV[0]); END IF;
          RETURN NULL;
        END $$;
        CREATE TRIGGER keys_notify AFTER INSERT OR UPDATE OR DELETE ON keys FOR EACH ROW EXECUTE FUNCTION dkim_milter_notify('name');
        CREATE TRIGGER signing_notify AFTER INSERT OR UPDATE OR DELETE ON signing FOR EACH ROW EXECUTE FUNCTION dkim_milter_notify('pattern');
        """;

    private readonly List<DaemonProcess> _daemons = [];
    private readonly Dictionary<string, DkimKey> _keys = [];

    private PgsqlRig(PostgresCluster cluster, string database, string directory)
    {
        Cluster = cluster;
        Database = database;
        Directory = directory;
    }

    public PostgresCluster Cluster { get; }

    public string Database { get; }

    public string Directory { get; }

    /// <summary>Every key made so far (what dkimpy gets as DNS).</summary>
    public IEnumerable<DkimKey> Keys => _keys.Values;

    public static async Task<PgsqlRig> CreateAsync(PostgresCluster cluster, bool withTrigger)
    {
        string database = await cluster.CreateDatabaseAsync();
        await cluster.ExecuteAsync(database, """
            CREATE TABLE keys (name text PRIMARY KEY, domain text NOT NULL, selector text NOT NULL, key text NOT NULL);
            CREATE TABLE signing (pattern text PRIMARY KEY, keyname text NOT NULL);
            """);
        if (withTrigger)
        {
            await cluster.ExecuteAsync(database, TriggerSql);
        }

        string directory = System.IO.Directory.CreateTempSubdirectory("dkim-pgrig-").FullName;
        return new PgsqlRig(cluster, database, directory);
    }

    /// <summary>
    /// Makes a key for <paramref name="domain"/> with <paramref name="selector"/> and writes its KeyTable row (named
    /// after the domain, the key inline or as a file path) and its SigningTable row (the domain).
    /// </summary>
    public async Task AddDomainAsync(string domain, string selector, bool inlineKey = true)
    {
        string key = MakeKey(domain, selector, inlineKey);
        await Cluster.ExecuteAsync(Database, "INSERT INTO keys VALUES (@name, @domain, @selector, @key) ON CONFLICT (name) DO UPDATE SET domain = @domain, selector = @selector, key = @key",
            ("name", domain), ("domain", domain), ("selector", selector), ("key", key));
        await Cluster.ExecuteAsync(Database, "INSERT INTO signing VALUES (@pattern, @name) ON CONFLICT DO NOTHING", ("pattern", domain), ("name", domain));
    }

    /// <summary>Replaces the domain's KeyTable row with a new selector and a new key.</summary>
    public async Task RotateAsync(string domain, string selector)
    {
        string key = MakeKey(domain, selector, inlineKey: true);
        await Cluster.ExecuteAsync(Database, "UPDATE keys SET selector = @selector, key = @key WHERE name = @name", ("name", domain), ("selector", selector), ("key", key));
    }

    /// <summary>
    /// Writes a new key over the domain's key file (same path, as an administrator replacing it in place would) and
    /// points the domain's KeyTable row at <paramref name="newSelector"/>.
    /// </summary>
    public async Task ReplaceKeyFileInPlaceAsync(string domain, string oldSelector, string newSelector)
    {
        string path = _keys[$"{oldSelector}.{domain}"].PrivateKeyPath;
        using var rsa = RSA.Create(2048);
        File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        _keys[$"{newSelector}.{domain}"] = new DkimKey(newSelector, domain, path, $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}");
        await Cluster.ExecuteAsync(Database, "UPDATE keys SET selector = @selector WHERE name = @name", ("name", domain), ("selector", newSelector));
    }

    public string WriteConfig(int port, string extra = "", string? database = null)
    {
        string dsn = $"dsn:pgsql://postgres@{Cluster.Port.ToString(CultureInfo.InvariantCulture)}+127.0.0.1/{database ?? Database}";
        string path = Path.Combine(Directory, $"opendkim-{port.ToString(CultureInfo.InvariantCulture)}.conf");
        File.WriteAllText(path,
            $"Socket inet:{port.ToString(CultureInfo.InvariantCulture)}@127.0.0.1\n" +
            $"KeyTable {dsn}/table=keys?keycol=name?datacol=domain,selector,key\n" +
            $"SigningTable {dsn}/table=signing?keycol=pattern?datacol=keyname\n" +
            "SyslogSuccess yes\n" + extra);
        return path;
    }

    /// <summary>Starts a daemon on a free port; it is stopped when the rig is disposed.</summary>
    public async Task<(DaemonProcess Daemon, int Port)> StartDaemonAsync(string extra = "")
    {
        int port = FreePort.Pick();
        var daemon = await DaemonProcess.StartAsync("-x", WriteConfig(port, extra), "-f");
        _daemons.Add(daemon);
        return (daemon, port);
    }

    /// <summary>
    /// Sends one message from <paramref name="sender"/> as Postfix 6 would for a local client. Returns the final
    /// reply and the message as delivered (the DKIM-Signature, if any, on top).
    /// </summary>
    public static async Task<(MilterReply Final, byte[] Message, string? Signature)> SendAsync(int port, string sender, string queueId)
    {
        byte[] message = Encoding.ASCII.GetBytes(
            $"From: <{sender}>\r\nTo: bob@example.net\r\nSubject: test {queueId}\r\n" +
            $"Date: Fri, 27 Nov 2026 12:00:00 +0000\r\nMessage-ID: <{queueId}@example.com>\r\n\r\nbody of {queueId}\r\n");
        await using var client = await MilterClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await client.NegotiateAsync(MtaProfile.Postfix6);
        await client.ConnectAsync("localhost", ConnectionFamily.Inet, 40000, "127.0.0.1");
        await client.MailAsync([$"<{sender}>"], [new("i", queueId)]);
        await client.RecipientAsync(["<bob@example.net>"], [new("i", queueId)]);
        var result = await client.SendContentAsync(message, queueId);
        await client.QuitAsync();
        var insert = result.Modifications.OfType<InsertHeaderReply>().SingleOrDefault(reply => reply.Name == "DKIM-Signature");
        if (insert is null)
        {
            return (result.Final, message, null);
        }

        string value = Encoding.ASCII.GetString(insert.Value.Span).Replace("\n", "\r\n", StringComparison.Ordinal);
        return (result.Final, [.. Encoding.ASCII.GetBytes($"DKIM-Signature:{value}\r\n"), .. message], value);
    }

    /// <summary>Sends a message and asserts that it was signed with d=<paramref name="domain"/>, s=<paramref name="selector"/> and that dkimpy verifies it.</summary>
    public async Task AssertSignedAsync(int port, string sender, string domain, string selector, string queueId)
    {
        var (final, message, signature) = await SendAsync(port, sender, queueId);
        Assert.True(final.Code is ReplyCode.Continue or ReplyCode.Accept, $"{queueId}: {final}");
        Assert.NotNull(signature);
        Assert.Contains($"d={domain};", signature, StringComparison.Ordinal);
        Assert.Contains($"s={selector};", signature, StringComparison.Ordinal);
        var verdict = Assert.Single((await DkimpyVerifier.VerifyAsync(Keys, [message]))[0]);
        Assert.True(verdict.Pass, verdict.Error);
    }

    /// <summary>Sends until the message is signed with <paramref name="selector"/> or <paramref name="within"/> is over; returns how long it took.</summary>
    public static async Task<TimeSpan> WaitUntilSignedWithAsync(int port, string sender, string selector, TimeSpan within)
    {
        var started = DateTime.UtcNow;
        for (int attempt = 0; ; attempt++)
        {
            var (_, _, signature) = await SendAsync(port, sender, $"W{attempt}");
            if (signature?.Contains($"s={selector};", StringComparison.Ordinal) == true)
            {
                return DateTime.UtcNow - started;
            }

            Assert.True(DateTime.UtcNow - started < within, $"{sender} not signed with s={selector} within {within.TotalSeconds} s (last: {signature ?? "unsigned"})");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var daemon in _daemons)
        {
            try
            {
                if (!daemon.HasExited)
                {
                    await daemon.StopAsync(StopTimeout);
                }
            }
            finally
            {
                await daemon.DisposeAsync();
            }
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private string MakeKey(string domain, string selector, bool inlineKey)
    {
        using var rsa = RSA.Create(2048);
        string pem = rsa.ExportPkcs8PrivateKeyPem();
        string txt = $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}";
        string path = Path.Combine(Directory, $"{selector}.{domain}.private");
        if (!inlineKey)
        {
            File.WriteAllText(path, pem);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _keys[$"{selector}.{domain}"] = new DkimKey(selector, domain, inlineKey ? "" : path, txt);
        return inlineKey ? pem : path;
    }
}
