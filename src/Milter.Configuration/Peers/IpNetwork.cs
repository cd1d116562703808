using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Milter.Configuration.Peers;

/// <summary>
/// An IPv4 or IPv6 address range: a network address and a prefix length (a single address is a /32 or /128).
/// IPv4-mapped IPv6 ranges (<c>::ffff:192.0.2.0/120</c>) are kept as the IPv4 range they cover, so that a list
/// written either way matches a client however its address arrives.
/// </summary>
public readonly record struct IpNetwork
{
    private IpNetwork(IPAddress network, int prefixLength)
    {
        Network = network;
        PrefixLength = prefixLength;
    }

    /// <summary>The first address of the range (no bits set past the prefix).</summary>
    public IPAddress Network { get; }

    /// <summary>Leading bits that must match: 0-32 for IPv4, 0-128 for IPv6.</summary>
    public int PrefixLength { get; }

    /// <summary>
    /// How precise the range is, comparable across families: IPv4 ranges count as the IPv4-mapped IPv6 range
    /// they are (prefix + 96), so a /24 is always less precise than a single address, whichever family.
    /// </summary>
    public int Specificity => Network.AddressFamily == AddressFamily.InterNetwork ? PrefixLength + 96 : PrefixLength;

    /// <summary>True if <paramref name="address"/> (same family; see <see cref="PeerList"/> for mapped addresses) is in the range.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != Network.AddressFamily)
        {
            return false;
        }

        Span<byte> wanted = stackalloc byte[16];
        Span<byte> candidate = stackalloc byte[16];
        Network.TryWriteBytes(wanted, out int length);
        address.TryWriteBytes(candidate, out _);
        int fullBytes = PrefixLength / 8;
        if (!wanted[..fullBytes].SequenceEqual(candidate[..fullBytes]))
        {
            return false;
        }

        int remainingBits = PrefixLength % 8;
        if (remainingBits == 0 || fullBytes >= length)
        {
            return true;
        }

        int mask = (0xFF << (8 - remainingBits)) & 0xFF;
        return (wanted[fullBytes] & mask) == (candidate[fullBytes] & mask);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Network}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Parses <c>ADDRESS</c> or <c>ADDRESS/PREFIX</c>, the address optionally in square brackets (OpenDKIM tries
    /// both forms). IPv4 must be four decimal parts (no <c>inet_aton</c> short forms like <c>192.0.2</c>, which
    /// OpenDKIM never matches either), and a range must not have bits set past its prefix (OpenDKIM looks ranges
    /// up by their network address, so <c>192.0.2.5/24</c> would never match anything there).
    /// </summary>
    /// <param name="text">The range.</param>
    /// <param name="network">The range, when it parses.</param>
    /// <param name="error">Otherwise what is wrong and how to write it.</param>
    public static bool TryParse(string text, out IpNetwork network, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        network = default;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = StripBrackets(slash < 0 ? text : text[..slash]);
        if (ParseAddress(addressText) is not { } address)
        {
            error = LooksLikeShortIpv4(addressText)
                ? $"'{addressText}' is not a full IPv4 address: write all four parts, e.g. {ShortFormExample(addressText)}"
                : $"'{addressText}' is not an IPv4 or IPv6 address";
            return false;
        }

        int maximum = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = maximum;
        if (slash >= 0)
        {
            string prefixText = text[(slash + 1)..];
            if (prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit)
                || (prefix = int.Parse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture)) > maximum)
            {
                error = $"'/{prefixText}' is not a prefix length for {(maximum == 32 ? "IPv4 (0-32)" : "IPv6 (0-128)")}";
                return false;
            }
        }

        var parsed = Normalize(address, prefix);
        var masked = Mask(parsed.Network, parsed.PrefixLength);
        if (!masked.Equals(parsed.Network))
        {
            error = $"'{text}' has bits set past the /{prefix} prefix: write {Mask(address, prefix)}/{prefix} for the network, or {address} alone for one address";
            return false;
        }

        network = parsed;
        error = null;
        return true;
    }

    private static IpNetwork Normalize(IPAddress address, int prefix)
    {
        // Scope ids (fe80::1%eth0) say which link, not which host; ranges compare addresses only.
        var plain = new IPAddress(address.GetAddressBytes());
        return plain.IsIPv4MappedToIPv6 && prefix >= 96
            ? new IpNetwork(plain.MapToIPv4(), prefix - 96)
            : new IpNetwork(plain, prefix);
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }

    private static string StripBrackets(string text) =>
        text.Length >= 2 && text[0] == '[' && text[^1] == ']' ? text[1..^1] : text;

    private static IPAddress? ParseAddress(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            // IPAddress.TryParse also takes zone ids and other decorations; a peer list entry is a bare address.
            return text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
                && IPAddress.TryParse(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
                ? v6
                : null;
        }

        // Strictly dotted-quad: IPAddress.TryParse would read "10" as 0.0.0.10 and "192.0.2" as 192.0.0.2.
        string[] parts = text.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }

        var bytes = new byte[4];
        for (int i = 0; i < 4; i++)
        {
            string part = parts[i];
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0'))
            {
                return null;
            }

            int value = int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return null;
            }

            bytes[i] = (byte)value;
        }

        return new IPAddress(bytes);
    }

    private static bool LooksLikeShortIpv4(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiDigit(c) || c == '.') && text.Split('.').Length < 4;

    private static string ShortFormExample(string text)
    {
        var parts = text.Split('.').Where(part => part.Length > 0).ToList();
        while (parts.Count < 4)
        {
            parts.Add("0");
        }

        return string.Join('.', parts) + "/" + (8 * text.Split('.').Count(part => part.Length > 0)).ToString(CultureInfo.InvariantCulture);
    }
}
