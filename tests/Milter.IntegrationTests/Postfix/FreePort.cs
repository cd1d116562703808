using System.Net;
using System.Net.Sockets;

namespace Milter.IntegrationTests.Postfix;

public static class FreePort
{
    /// <summary>
    /// A loopback TCP port nobody listens on right now: the kernel picks it when binding port 0.
    /// Another process could take it before the caller binds it, but the kernel hands out
    /// ephemeral ports in rotation, so that is unlikely enough for tests.
    /// </summary>
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
