using System.Net;
using System.Net.Sockets;
using Milter.Configuration;

namespace Milter.Daemon.Hosting;

/// <summary>Turns a <see cref="SocketSpec"/> into the endpoint to bind, resolving host names as libmilter does.</summary>
internal static class ListenEndpoints
{
    /// <exception cref="SocketException">The host name does not resolve to an address of the socket's family.</exception>
    public static EndPoint Resolve(SocketSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Kind == SocketKind.Unix)
        {
            return new UnixDomainSocketEndPoint(spec.Path!);
        }

        var family = spec.Kind == SocketKind.Inet ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        if (spec.Host is null)
        {
            return new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, spec.Port);
        }

        string host = spec.Host.Trim('[', ']');
        if (IPAddress.TryParse(host, out var literal))
        {
            return new IPEndPoint(literal, spec.Port);
        }

        // "localhost" must not depend on /etc/hosts ordering: inet means 127.0.0.1, inet6 means ::1.
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, spec.Port);
        }

        var address = System.Net.Dns.GetHostAddresses(host).FirstOrDefault(candidate => candidate.AddressFamily == family)
            ?? throw new SocketException((int)SocketError.HostNotFound);
        return new IPEndPoint(address, spec.Port);
    }
}
