using System.Globalization;
using System.Net;
using Milter.Configuration;

namespace Milter.Daemon.Metrics;

/// <summary>
/// dkim-milter's own <c>MetricsSocket</c> (OpenDKIM has no such option): where the Prometheus endpoint listens, in the
/// Socket syntax, loopback only (<c>inet:9464@127.0.0.1</c>, <c>inet:9464@localhost</c>, <c>inet6:9464@[::1]</c>).
/// The metrics say how much mail each domain class gets and how the relay is doing; the endpoint has no
/// authentication, so it is not offered to the network: a scraper elsewhere reaches it through a local agent or an
/// SSH or TLS tunnel. Absent, no listener is started.
/// </summary>
/// <param name="Host">The listener's host as HttpListener wants it: <c>127.0.0.1</c> or <c>[::1]</c>.</param>
internal sealed record MetricsEndpoint(string Host, int Port)
{
    public const string OptionName = "MetricsSocket";

    /// <summary>The URL Prometheus scrapes.</summary>
    public string Url => $"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/metrics";

    /// <summary>Reads MetricsSocket; null when it is not set.</summary>
    /// <exception cref="ConfigurationException">The value is not a loopback TCP address; names the file and line.</exception>
    public static MetricsEndpoint? From(ConfigFile config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Find(OptionName) is not { } entry)
        {
            return null;
        }

        SocketSpec socket;
        try
        {
            socket = SocketSpec.Parse(entry.Value);
        }
        catch (FormatException ex)
        {
            throw new ConfigurationException(entry.File, entry.Line, "illegal value", ex.Message);
        }

        const string Hint = "the metrics endpoint has no authentication and listens on loopback only: write e.g. " +
            "'MetricsSocket inet:9464@127.0.0.1' (or inet6:9464@[::1]) and let a local agent or a tunnel reach it";
        if (socket.Kind is not (SocketKind.Inet or SocketKind.Inet6))
        {
            throw new ConfigurationException(entry.File, entry.Line, "illegal value", $"'{entry.Value}' is not a TCP address; {Hint}");
        }

        if (socket.Port is < 1 or > 65535)
        {
            throw new ConfigurationException(entry.File, entry.Line, "illegal value", $"'{entry.Value}': port {socket.Port} is out of range 1-65535");
        }

        string? host = socket.Host?.Trim('[', ']');
        if (host is null)
        {
            throw new ConfigurationException(entry.File, entry.Line, "not a loopback address", $"'{entry.Value}' listens on every address; {Hint}");
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new MetricsEndpoint(socket.Kind == SocketKind.Inet6 ? "[::1]" : "127.0.0.1", socket.Port);
        }

        if (!IPAddress.TryParse(host, out var address) || !IPAddress.IsLoopback(address))
        {
            throw new ConfigurationException(entry.File, entry.Line, "not a loopback address", $"'{entry.Value}': {host} is not a loopback address; {Hint}");
        }

        return new MetricsEndpoint(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString(), socket.Port);
    }
}
