using System.Globalization;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.Postfix;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// Our daemon (the real dkim-milter process) on a free loopback port, asking the loopback DNS server for keys, and
/// a private Postfix (milter_protocol 6, as Debian ships it) that calls it for every SMTP message.
/// </summary>
internal sealed class DaemonSide : IInboundSide
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private DaemonSide(DaemonProcess daemon, PostfixInstance postfix)
    {
        Daemon = daemon;
        Postfix = postfix;
    }

    public string Name => "dkim-milter";

    public DaemonProcess Daemon { get; }

    public PostfixInstance Postfix { get; }

    public string MilterOutput => Daemon.Output;

    /// <summary>Writes the configuration into <paramref name="directory"/> (created), starts the daemon, then Postfix.</summary>
    public static async Task<DaemonSide> StartAsync(string directory, LoopbackDnsServer dns, IEnumerable<string> testLines)
    {
        ArgumentNullException.ThrowIfNull(dns);
        Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "dkim-milter.conf");
        await File.WriteAllTextAsync(config, InboundConfiguration.Text([$"Nameservers {dns.NameserversValue}"], testLines));
        int port = FreePort.Pick();
        var daemon = await DaemonProcess.StartAsync("-x", config, "-f", "-p", $"inet:{port.ToString(CultureInfo.InvariantCulture)}@127.0.0.1");
        try
        {
            return new DaemonSide(daemon, await PostfixInstance.StartAsync(port, 6));
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops Postfix first (nothing calls the milter any more), then the daemon with SIGTERM.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Postfix.DisposeAsync();
        }
        finally
        {
            try
            {
                await Daemon.StopAsync(StopTimeout);
            }
            finally
            {
                await Daemon.DisposeAsync();
            }
        }
    }
}
