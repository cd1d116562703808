using System.Net;
using System.Net.Sockets;
using System.Text;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Handler;
using Milter.IntegrationTests.Postfix;
using Milter.Protocol.Commands;
using Milter.Protocol.Wire;
using Milter.Protocol.Client;
using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.Operations;

/// <summary>
/// A directory with the test keys (RSA selector "mail", Ed25519 selector "ed", both for example.com), a KeyTable
/// with both and a SigningTable choosing one of them, a configuration file around them, and the real daemon
/// started on it. The directory is world-traversable so the daemon can still read it after dropping to nobody.
/// </summary>
internal sealed class OperationsRig : IDisposable
{
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly List<DaemonProcess> _daemons = [];

    public OperationsRig()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("milter-ops-").FullName;
        File.SetUnixFileMode(Directory, (UnixFileMode)Convert.ToInt32("755", 8));
        TestKeys.WriteFiles(Directory);
        File.WriteAllText(Path("KeyTable"), HandlerRig.DefaultKeyTable.Replace("{dir}", Directory, StringComparison.Ordinal));
        UseSelector("mail");
    }

    public string Directory { get; }

    public string ConfigPath => Path("opendkim.conf");

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    /// <summary>Makes the SigningTable pick the key with this selector for every example.com sender.</summary>
    public void UseSelector(string selector) =>
        File.WriteAllText(Path("SigningTable"), $"*@example.com {selector}._domainkey.example.com\n");

    /// <summary>Writes opendkim.conf: the tables plus <paramref name="extra"/> lines.</summary>
    public string WriteConfig(string socket, string extra = "")
    {
        File.WriteAllText(ConfigPath,
            $"Socket {socket}\nKeyTable refile:{Path("KeyTable")}\nSigningTable refile:{Path("SigningTable")}\n{extra}");
        return ConfigPath;
    }

    /// <summary>Starts the daemon; it is stopped (killed if need be) when the rig is disposed.</summary>
    public async Task<DaemonProcess> StartAsync(params string[] arguments) => Track(await DaemonProcess.StartAsync(arguments));

    public async Task<DaemonProcess> StartAsync(DaemonProcess.DaemonStart start, params string[] arguments) =>
        Track(await DaemonProcess.StartAsync(start, arguments));

    /// <summary>
    /// Starts the daemon on a TCP socket built from a free port (<paramref name="socketForPort"/>), trying another
    /// port if one was taken between picking it and the daemon binding it.
    /// </summary>
    public async Task<(DaemonProcess Daemon, int Port)> StartOnFreePortAsync(Func<int, string> socketForPort, string extra = "", params string[] arguments)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Pick();
            WriteConfig(socketForPort(port), extra);
            try
            {
                return (await StartAsync(["-x", ConfigPath, "-f", .. arguments]), port);
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    /// <summary>
    /// Sends one message from alice@example.com as Postfix 6 would for a local client; returns the selector (s=) of
    /// the DKIM-Signature it got. Fails on any reply other than continue or accept, or without a signature.
    /// </summary>
    public static async Task<string> SignAsync(EndPoint endPoint, string queueId = "4XyZ1Q2w", CancellationToken cancellationToken = default)
    {
        await using var client = await MilterClient.ConnectAsync(endPoint, cancellationToken);
        await client.NegotiateAsync(MtaProfile.Postfix6, cancellationToken);
        await client.ConnectAsync("localhost", ConnectionFamily.Inet, 40000, "127.0.0.1", cancellationToken: cancellationToken);
        await client.MailAsync(["<alice@example.com>"], [new("i", queueId)], cancellationToken);
        await client.RecipientAsync(["<bob@example.net>"], [new("i", queueId)], cancellationToken);
        var result = await client.SendContentAsync(Message(queueId), queueId, cancellationToken);
        Assert.True(result.Final.Code is ReplyCode.Continue or ReplyCode.Accept, $"{queueId}: {result.Final} at {result.DecidedAt}");
        var signature = Assert.Single(result.Modifications.OfType<InsertHeaderReply>(), insert => insert.Name == "DKIM-Signature");
        await client.QuitAsync(cancellationToken);
        return Selector(Encoding.ASCII.GetString(signature.Value.Span));
    }

    /// <summary>A short message from alice@example.com; the body names the queue id.</summary>
    public static byte[] Message(string queueId) => Encoding.ASCII.GetBytes(
        $"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: test {queueId}\r\n" +
        $"Date: Fri, 27 Nov 2026 12:00:00 +0000\r\nMessage-ID: <{queueId}@example.com>\r\n\r\nbody of {queueId}\r\n");

    public static string Selector(string signatureValue) =>
        signatureValue.Split(';').Select(tag => tag.Trim()).Single(tag => tag.StartsWith("s=", StringComparison.Ordinal))[2..];

    public static IPEndPoint Loopback(int port) => new(IPAddress.Loopback, port);

    public static UnixDomainSocketEndPoint Unix(string path) => new(path);

    /// <summary>Kills whatever daemon is still running (xunit 2 disposes test classes synchronously).</summary>
    public void Dispose()
    {
        foreach (var daemon in _daemons)
        {
            daemon.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private DaemonProcess Track(DaemonProcess daemon)
    {
        _daemons.Add(daemon);
        return daemon;
    }
}
