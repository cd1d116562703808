using Milter.Configuration.Datasets;

namespace Milter.Configuration.Peers;

/// <summary>What a peer list entry names.</summary>
public enum PeerListEntryKind
{
    /// <summary>One host name, matched exactly (ignoring case).</summary>
    Host,
    /// <summary><c>.example.com</c>: any host under the domain (OpenDKIM: not the bare domain itself).</summary>
    Domain,
    /// <summary>An IP address or CIDR range.</summary>
    Network,
}

/// <summary>
/// One entry of a peer list (PeerList, InternalHosts, ExternalIgnoreList): a host name, a <c>.domain</c>, an
/// IPv4/IPv6 address or a CIDR range, optionally negated with a leading <c>!</c>; with the dataset line it came
/// from, for messages.
/// </summary>
public sealed record PeerListEntry
{
    private PeerListEntry(string text, bool negated, PeerListEntryKind kind, string? name, IpNetwork? network, string source, int line)
    {
        Text = text;
        Negated = negated;
        Kind = kind;
        Name = name;
        Network = network;
        Source = source;
        Line = line;
    }

    /// <summary>The entry as written.</summary>
    public string Text { get; }

    /// <summary>True for <c>!entry</c>: a match excludes instead of includes.</summary>
    public bool Negated { get; }

    /// <summary>Host, domain or network.</summary>
    public PeerListEntryKind Kind { get; }

    /// <summary>For hosts and domains: the name in lower case (a domain keeps its leading dot).</summary>
    public string? Name { get; }

    /// <summary>For networks: the range (a single address is a /32 or /128).</summary>
    public IpNetwork? Network { get; }

    /// <summary>The dataset file (or configuration file, for <c>csl:</c> lists) the entry is in.</summary>
    public string Source { get; }

    /// <summary>Its line there.</summary>
    public int Line { get; }

    /// <summary>Parses one dataset entry (its key; a value after it is ignored, as OpenDKIM does).</summary>
    /// <exception cref="ConfigurationException">The entry is none of the forms, with its file and line.</exception>
    public static PeerListEntry Parse(DatasetEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string text = entry.Key;
        bool negated = text.StartsWith('!');
        string body = negated ? text[1..] : text;
        if (body.Length == 0)
        {
            throw Problem(entry, "'!' needs a host, .domain, address or range after it");
        }

        if (LooksLikeAddress(body))
        {
            return IpNetwork.TryParse(body, out var network, out string? error)
                ? new PeerListEntry(text, negated, PeerListEntryKind.Network, null, network, entry.Source, entry.Line)
                : throw Problem(entry, error);
        }

        if (body.Contains('*', StringComparison.Ordinal))
        {
            throw Problem(entry, "peer lists are not patterns: write .example.com for every host under example.com");
        }

        bool domain = body.StartsWith('.');
        string name = domain ? body[1..] : body;
        return IsHostName(name)
            ? new PeerListEntry(text, negated, domain ? PeerListEntryKind.Domain : PeerListEntryKind.Host, body.ToLowerInvariant(), null, entry.Source, entry.Line)
            : throw Problem(entry, "write a host name (mail.example.com), a domain (.example.com), an address (192.0.2.1, 2001:db8::1) or a range (192.0.2.0/24, 2001:db8::/32)");
    }

    // Anything with a '/' or ':' or brackets, or made of digits and dots only, is meant as an address: reporting
    // it as a bad host name would hide the real mistake (10.0.0.0/33, 192.0.2, 256.1.1.1).
    private static bool LooksLikeAddress(string text) =>
        text.Contains('/', StringComparison.Ordinal) || text.Contains(':', StringComparison.Ordinal) || text.StartsWith('[')
        || text.All(c => char.IsAsciiDigit(c) || c == '.');

    private static bool IsHostName(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (string label in name.Split('.'))
        {
            // Underscores are not legal in host names but do appear in real PTR records; OpenDKIM compares text.
            if (label.Length is 0 or > 63 || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static ConfigurationException Problem(DatasetEntry entry, string hint) =>
        new(entry.Source, entry.Line, $"'{entry.Key}' is not a valid peer list entry", hint);
}
