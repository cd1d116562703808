using System.Globalization;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.Parity;
using Milter.IntegrationTests.Postfix;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// The real OpenDKIM (/usr/sbin/opendkim 2.11) with the same configuration as <see cref="DaemonSide"/>, asking the
/// same loopback DNS server through its built-in libunbound, and a private Postfix of its own calling it.
/// </summary>
internal sealed class OpenDkimSide : IInboundSide
{
    private OpenDkimSide(OpenDkimProcess openDkim, PostfixInstance postfix)
    {
        OpenDkim = openDkim;
        Postfix = postfix;
    }

    public string Name => "OpenDKIM";

    public OpenDkimProcess OpenDkim { get; }

    public PostfixInstance Postfix { get; }

    public string MilterOutput => OpenDkim.Output;

    /// <summary>Writes unbound.conf and opendkim.conf into <paramref name="directory"/> (created), starts OpenDKIM, then Postfix.</summary>
    public static async Task<OpenDkimSide> StartAsync(string directory, LoopbackDnsServer dns, IEnumerable<string> testLines)
    {
        ArgumentNullException.ThrowIfNull(dns);
        Directory.CreateDirectory(directory);
        // OpenDKIM's Nameservers takes no port; libunbound's forward-addr does (measured to work, see
        // docs/measurements/opendkim-2.11-verify-and-sign.md). Loopback must be allowed explicitly.
        string unbound = Path.Combine(directory, "unbound.conf");
        await File.WriteAllTextAsync(unbound, string.Join('\n',
            "server:",
            " do-not-query-localhost: no",
            "forward-zone:",
            " name: \".\"",
            $" forward-addr: 127.0.0.1@{dns.Port.ToString(CultureInfo.InvariantCulture)}",
            ""));
        int port = FreePort.Pick();
        string config = Path.Combine(directory, "opendkim.conf");
        await File.WriteAllTextAsync(config, InboundConfiguration.Text(
            [$"ResolverConfiguration {unbound}", $"Socket inet:{port.ToString(CultureInfo.InvariantCulture)}@127.0.0.1", "Background no"],
            testLines));
        var openDkim = await OpenDkimProcess.StartAsync(config, port);
        try
        {
            return new OpenDkimSide(openDkim, await PostfixInstance.StartAsync(port, 6));
        }
        catch
        {
            await openDkim.DisposeAsync();
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
            await OpenDkim.DisposeAsync();
        }
    }
}
