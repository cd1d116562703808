namespace Milter.Protocol.Commands;

/// <summary>The address family byte of CONNECT (SMFIA_*).</summary>
public enum ConnectionFamily : byte
{
    /// <summary>SMFIA_UNKNOWN: no address follows.</summary>
    Unknown = (byte)'U',
    /// <summary>SMFIA_UNIX: a socket path follows.</summary>
    Unix = (byte)'L',
    /// <summary>SMFIA_INET: an IPv4 address follows.</summary>
    Inet = (byte)'4',
    /// <summary>SMFIA_INET6: an IPv6 address follows.</summary>
    Inet6 = (byte)'6',
}
