using System.Net;
using System.Net.Sockets;
using Milter.Configuration;

namespace Milter.Daemon.Hosting;

/// <summary>Turns a <see cref="SocketSpec"/> into the endpoints to bind.</summary>
internal static class ListenEndpoints
{
    /// <summary>
    /// <c>inet:PORT@HOST</c> (or <c>inet6:</c>) binds every address HOST resolves to, IPv4 and IPv6, because the MTA
    /// may pick either: Postfix's <c>inet:localhost:8891</c> tries ::1 first on many systems, where a milter on
    /// 127.0.0.1 alone is "connection refused". <c>localhost</c> is 127.0.0.1 and ::1 whatever /etc/hosts says.
    /// An address literal binds just that address; <c>inet:PORT</c> every IPv4 address and <c>inet6:PORT</c> every
    /// IPv6 (and, as Linux does by default, IPv4-mapped) address.
    /// </summary>
    /// <exception cref="SocketException">The host name does not resolve.</exception>
    public static IReadOnlyList<EndPoint> Resolve(SocketSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Kind == SocketKind.Unix)
        {
            return [new UnixDomainSocketEndPoint(spec.Path!)];
        }

        if (spec.Host is null)
        {
            return [new IPEndPoint(spec.Kind == SocketKind.Inet ? IPAddress.Any : IPAddress.IPv6Any, spec.Port)];
        }

        string host = spec.Host.Trim('[', ']');
        if (IPAddress.TryParse(host, out var literal))
        {
            return [new IPEndPoint(literal, spec.Port)];
        }

        var addresses = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            ? [IPAddress.Loopback, IPAddress.IPv6Loopback]
            : System.Net.Dns.GetHostAddresses(host)
                .Where(address => address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                .Distinct()
                .ToArray();
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        // IPv4 first: it is what libmilter (and so OpenDKIM) would have bound.
        return addresses.OrderBy(address => address.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
            .Select(address => (EndPoint)new IPEndPoint(address, spec.Port))
            .ToList();
    }
}
