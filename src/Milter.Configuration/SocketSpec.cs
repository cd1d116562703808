using System.Globalization;

namespace Milter.Configuration;

/// <summary>The kind of socket a milter listens on.</summary>
public enum SocketKind
{
    /// <summary>TCP over IPv4: <c>inet:PORT[@HOST]</c>.</summary>
    Inet,
    /// <summary>TCP over IPv6: <c>inet6:PORT[@HOST]</c>.</summary>
    Inet6,
    /// <summary>A unix-domain socket: <c>local:/path</c> or <c>unix:/path</c> (or a bare path).</summary>
    Unix,
}

/// <summary>
/// A listening socket in libmilter's syntax, as OpenDKIM's <c>Socket</c> and <c>-p</c> take it. Host is null
/// when none was given (listen on every address).
/// </summary>
public sealed record SocketSpec(SocketKind Kind, int Port, string? Host, string? Path)
{
    /// <summary>Parses a socket specification.</summary>
    /// <exception cref="FormatException">With a message that says what is wrong and how to write it.</exception>
    public static SocketSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            // libmilter takes a string without a protocol as a unix socket path.
            return text.StartsWith('/')
                ? new SocketSpec(SocketKind.Unix, 0, null, text)
                : throw new FormatException($"'{text}' is not a socket: write inet:PORT@HOST, inet6:PORT@HOST or local:/path");
        }

        string protocol = text[..colon].ToLowerInvariant();
        string rest = text[(colon + 1)..];
        switch (protocol)
        {
            case "local" or "unix":
                return rest.StartsWith('/')
                    ? new SocketSpec(SocketKind.Unix, 0, null, rest)
                    : throw new FormatException($"'{text}': a {protocol} socket needs an absolute path, like local:/run/opendkim/opendkim.sock");
            case "inet" or "inet6":
                return ParseInet(text, protocol == "inet" ? SocketKind.Inet : SocketKind.Inet6, rest);
            default:
                throw new FormatException($"'{text}': unknown socket type '{protocol}'; use inet, inet6, local or unix");
        }
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        SocketKind.Unix => $"local:{Path}",
        SocketKind.Inet => Host is null ? $"inet:{Port}" : $"inet:{Port}@{Host}",
        _ => Host is null ? $"inet6:{Port}" : $"inet6:{Port}@{Host}",
    };

    private static SocketSpec ParseInet(string text, SocketKind kind, string rest)
    {
        int at = rest.IndexOf('@', StringComparison.Ordinal);
        string portText = at < 0 ? rest : rest[..at];
        string? host = at < 0 ? null : rest[(at + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            // The most common mix-up: Postfix writes inet:HOST:PORT, libmilter inet:PORT@HOST.
            int lastColon = rest.LastIndexOf(':');
            string hint = at < 0 && lastColon > 0 && int.TryParse(rest[(lastColon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int postfixPort)
                ? $"; this looks like Postfix's order (inet:HOST:PORT): OpenDKIM writes inet:{postfixPort}@{rest[..lastColon]}"
                : "; write inet:PORT@HOST, e.g. inet:8891@localhost";
            throw new FormatException($"'{text}': '{portText}' is not a port number (1-65535){hint}");
        }

        if (host is { Length: 0 })
        {
            throw new FormatException($"'{text}': nothing after '@'; write inet:{port}@HOST or inet:{port} for every address");
        }

        return new SocketSpec(kind, port, host, null);
    }
}
