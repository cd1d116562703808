using System.Net.Sockets;

namespace Milter.Protocol.Server;

/// <summary>An endpoint could not be bound; the message names it and says why, in words an administrator can act on.</summary>
public sealed class MilterBindException : IOException
{
    public MilterBindException(string endpoint, Exception innerException)
        : base($"{endpoint}: {Explain(innerException)}", innerException)
    {
        Endpoint = endpoint;
    }

    /// <summary>The endpoint, as <c>inet:PORT@ADDRESS</c> or <c>unix:/path</c>.</summary>
    public string Endpoint { get; }

    /// <summary>True when another process holds the address.</summary>
    public bool AddressInUse => InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse };

    private static string Explain(Exception ex) => ex switch
    {
        SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } =>
            "address already in use: is opendkim (or another dkim-milter) still running? `ss -ltnpx` shows which process holds it",
        SocketException { SocketErrorCode: SocketError.AccessDenied } =>
            "permission denied: ports below 1024 need root, and a unix socket needs a directory the daemon may write to",
        SocketException { SocketErrorCode: SocketError.AddressNotAvailable } =>
            "this machine has no such address",
        _ => ex.Message,
    };
}
