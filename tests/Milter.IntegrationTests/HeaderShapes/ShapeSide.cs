using System.Globalization;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Parity;
using Milter.IntegrationTests.Postfix;

namespace Milter.IntegrationTests.HeaderShapes;

/// <summary>Which milter runs behind Postfix in a header-shape run.</summary>
internal enum ShapeMilter
{
    Ours,
    OpenDkim,
}

/// <summary>
/// One milter (our daemon or the real OpenDKIM 2.11) with the given opendkim.conf lines on a free loopback port,
/// and a private Postfix at the given milter_protocol calling it. Dispose stops Postfix, then the milter.
/// </summary>
internal sealed class ShapeSide : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private readonly DaemonProcess? _daemon;
    private readonly OpenDkimProcess? _openDkim;

    private ShapeSide(DaemonProcess? daemon, OpenDkimProcess? openDkim, PostfixInstance postfix)
    {
        _daemon = daemon;
        _openDkim = openDkim;
        Postfix = postfix;
    }

    public PostfixInstance Postfix { get; }

    /// <summary>What the milter wrote so far.</summary>
    public string MilterOutput => _daemon?.Output ?? _openDkim?.Output ?? "";

    /// <summary>Writes the configuration into <paramref name="directory"/> (created), starts the milter, then Postfix.</summary>
    public static async Task<ShapeSide> StartAsync(ShapeMilter milter, int milterProtocol, string directory, IEnumerable<string> configurationLines)
    {
        Directory.CreateDirectory(directory);
        int port = FreePort.Pick();
        string portText = port.ToString(CultureInfo.InvariantCulture);
        string config = Path.Combine(directory, "opendkim.conf");
        await File.WriteAllTextAsync(config, string.Join('\n',
            [$"Socket inet:{portText}@127.0.0.1", "Background no", "Syslog no", "RequireSafeKeys no", .. configurationLines]) + "\n");
        DaemonProcess? daemon = null;
        OpenDkimProcess? openDkim = null;
        try
        {
            if (milter == ShapeMilter.Ours)
            {
                daemon = await DaemonProcess.StartAsync("-x", config, "-f");
            }
            else
            {
                openDkim = await OpenDkimProcess.StartAsync(config, port);
            }

            return new ShapeSide(daemon, openDkim, await PostfixInstance.StartAsync(port, milterProtocol));
        }
        catch
        {
            await StopMilterAsync(daemon, openDkim);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Postfix.DisposeAsync();
        }
        finally
        {
            await StopMilterAsync(_daemon, _openDkim);
        }
    }

    private static async Task StopMilterAsync(DaemonProcess? daemon, OpenDkimProcess? openDkim)
    {
        if (daemon is not null)
        {
            try
            {
                await daemon.StopAsync(StopTimeout);
            }
            finally
            {
                await daemon.DisposeAsync();
            }
        }

        if (openDkim is not null)
        {
            await openDkim.DisposeAsync();
        }
    }
}
