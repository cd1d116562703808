using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Milter.Daemon.Dns;

/// <summary>
/// Parses OpenDKIM's <c>Nameservers</c> value: a comma-separated list of IP addresses. Beyond OpenDKIM, an entry
/// may carry a port (<c>192.0.2.1:5353</c>, <c>[2001:db8::1]:5353</c>) so a test can point the daemon at a DNS
/// server on a high loopback port.
/// </summary>
internal static class NameserverList
{
    /// <summary>The standard DNS port, used when an entry names no port.</summary>
    public const int DefaultPort = 53;

    private const string AcceptedForms =
        "expected an IPv4 address (192.0.2.1), an IPv6 address (2001:db8::1), "
        + "an IPv4 address with a port (192.0.2.1:5353) or an IPv6 address in brackets with a port ([2001:db8::1]:5353)";

    /// <summary>Parses the list; throws <see cref="FormatException"/> naming the first bad entry.</summary>
    public static IReadOnlyList<IPEndPoint> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException($"Nameservers is empty: {AcceptedForms}, several separated by commas.");
        }

        var servers = new List<IPEndPoint>();
        var entries = text.Split(',');
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i].Trim();
            if (entry.Length == 0)
            {
                // "a,,b" or a trailing comma is more likely a slip than intent; say where it is.
                throw new FormatException($"Nameservers entry {i + 1} is empty: {AcceptedForms}, several separated by commas.");
            }

            servers.Add(ParseEntry(entry)
                ?? throw new FormatException($"Nameservers entry \"{entry}\" is not valid: {AcceptedForms}."));
        }

        return servers;
    }

    private static IPEndPoint? ParseEntry(string entry)
    {
        if (entry.StartsWith('['))
        {
            return ParseBracketedIPv6(entry);
        }

        if (entry.Contains(':', StringComparison.Ordinal))
        {
            // Either a bare IPv6 address or IPv4:port; an IPv4 address has exactly one colon before its port.
            var colon = entry.LastIndexOf(':');
            if (entry.IndexOf(':', StringComparison.Ordinal) == colon && entry.Contains('.', StringComparison.Ordinal))
            {
                var address = ParseDottedQuad(entry[..colon]);
                var port = ParsePort(entry[(colon + 1)..]);
                return address is null || port is null ? null : new IPEndPoint(address, port.Value);
            }

            return ParseBareIPv6(entry) is { } v6 ? new IPEndPoint(v6, DefaultPort) : null;
        }

        return ParseDottedQuad(entry) is { } v4 ? new IPEndPoint(v4, DefaultPort) : null;
    }

    private static IPEndPoint? ParseBracketedIPv6(string entry)
    {
        var close = entry.IndexOf(']', StringComparison.Ordinal);
        if (close < 0)
        {
            return null;
        }

        var address = ParseBareIPv6(entry[1..close]);
        var rest = entry[(close + 1)..];
        if (address is null)
        {
            return null;
        }

        if (rest.Length == 0)
        {
            return new IPEndPoint(address, DefaultPort);
        }

        return rest[0] == ':' && ParsePort(rest[1..]) is { } port ? new IPEndPoint(address, port) : null;
    }

    // IPAddress.Parse alone is too lenient for a config value: it takes "10" as 0.0.0.10, "1.2" as 1.0.0.2 and
    // octal or hex parts, none of which an administrator means. Only four decimal parts pass here.
    private static IPAddress? ParseDottedQuad(string text)
    {
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit)
                || int.Parse(part, CultureInfo.InvariantCulture) > 255)
            {
                return null;
            }
        }

        return IPAddress.Parse(text);
    }

    // IPAddress.Parse would also take "[::1]:53" here and silently drop the port, so brackets are refused; the
    // bracket form is handled by the caller.
    private static IPAddress? ParseBareIPv6(string text) =>
        !text.Contains('[', StringComparison.Ordinal) && !text.Contains(']', StringComparison.Ordinal)
        && IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? address
            : null;

    private static int? ParsePort(string text) =>
        text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit)
        && int.Parse(text, CultureInfo.InvariantCulture) is var port and >= 1 and <= 65535
            ? port
            : null;
}
