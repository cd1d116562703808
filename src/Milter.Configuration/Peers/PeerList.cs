using System.Net;
using System.Net.Sockets;
using Milter.Configuration.Datasets;

namespace Milter.Configuration.Peers;

/// <summary>
/// A list of SMTP clients, as PeerList, InternalHosts and ExternalIgnoreList take it (opendkim.conf(5)): host
/// names, <c>.domain</c>s, IPv4/IPv6 addresses and CIDR ranges, each optionally negated with <c>!</c>.
/// <para>
/// Matching follows OpenDKIM's <c>dkimf_checkhost</c> and <c>dkimf_checkip</c> (checked against the real 2.11
/// with miltertest):
/// </para>
/// <list type="bullet">
/// <item>The host name and the address are checked separately; the client is in the list if either matches. So
/// <c>!bad.example.com</c> does not stop a <c>192.0.2.0/24</c> entry from matching that host's address.</item>
/// <item>Host names: the exact name first, then <c>.parent</c> for each parent domain, nearest first. A
/// <c>.example.com</c> entry covers <c>mail.example.com</c> but not <c>example.com</c> itself; <c>example.com</c>
/// covers only that host. Case is ignored.</item>
/// <item>Addresses: the most precise entry containing the address decides (a single address before a /24
/// before a /16...).</item>
/// <item>At the same precision a negated entry wins: <c>!192.0.2.0/24</c> with <c>192.0.2.0/24</c> excludes.</item>
/// </list>
/// Deliberate differences: an IPv4-mapped IPv6 client (<c>::ffff:192.0.2.1</c>, what a dual-stack socket
/// reports) also matches IPv4 entries, and mapped entries match IPv4 clients (OpenDKIM compares text, so each only
/// matches its own spelling); IPv6 entries are compared as addresses, not text, so <c>2001:0db8::/32</c> works
/// like <c>2001:db8::/32</c>; a bracketed single address (<c>[192.0.2.1]</c>, which opendkim.conf(5) allows but
/// OpenDKIM's look-up misses) matches; and a host name's final dot is ignored.
/// </summary>
public sealed class PeerList
{
    // Host and .domain names, each with whether any entry for it is negated (a negation wins at the same name).
    private readonly Dictionary<string, bool> _names;
    private readonly List<PeerListEntry> _networks;
    private readonly Datasets.PostgreSql.PgsqlTable? _database;

    private PeerList(IReadOnlyList<PeerListEntry> entries)
    {
        Entries = entries;
        _names = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in entries.Where(entry => entry.Name is not null))
        {
            _names[entry.Name!] = _names.GetValueOrDefault(entry.Name!) || entry.Negated;
        }

        _networks = entries.Where(entry => entry.Network is not null).ToList();
    }

    private PeerList(Datasets.PostgreSql.PgsqlTable database)
        : this([])
    {
        _database = database;
    }

    /// <summary>The entries, in dataset order.</summary>
    public IReadOnlyList<PeerListEntry> Entries { get; }

    /// <summary>A list that contains nothing (PeerList and ExternalIgnoreList when not set).</summary>
    public static PeerList Empty { get; } = new([]);

    /// <summary>InternalHosts when not set: the loopback addresses, 127.0.0.1 and ::1.</summary>
    public static PeerList DefaultInternalHosts { get; } = From(DatasetParser.Load(new ConfigEntry("InternalHosts", "csl:127.0.0.1,::1", "(default InternalHosts)", 0)));

    /// <summary>Builds the list from a dataset (<see cref="DatasetParser.Load"/>).</summary>
    /// <exception cref="ConfigurationException">An entry is not a host, .domain, address or range (with its file and line).</exception>
    public static PeerList From(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Database is { } database)
        {
            return new PeerList(database);
        }

        if (dataset.Kind == DatasetKind.Patterns && dataset.Entries.FirstOrDefault(entry => entry.Key.Contains('*', StringComparison.Ordinal)) is { } pattern)
        {
            // OpenDKIM would glob its internal look-up strings ("!192.0.2.0/24", "[192.0.2.1]"...) against the
            // pattern; nobody means that, and matching it faithfully would only preserve surprises.
            throw new ConfigurationException(pattern.Source, pattern.Line, $"'{pattern.Key}': patterns (refile:) are not supported in peer lists",
                "use file: with host names, .domains, addresses and CIDR ranges");
        }

        return new PeerList(dataset.Entries.Select(PeerListEntry.Parse).ToList());
    }

    /// <summary>
    /// True if the client is in the list: its <paramref name="hostname"/> (as the MTA reports it; a bracketed
    /// literal like <c>[192.0.2.1]</c>, sent when there is no PTR record, is not a name) or its
    /// <paramref name="address"/> matches. Either may be null when unknown.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">A database list that cannot answer for this client now.</exception>
    public bool Contains(IPAddress? address, string? hostname) =>
        _database is not null ? ContainsInDatabase(_database, address, hostname) : ContainsHost(hostname) || ContainsAddress(address);

    /// <summary>
    /// A list in PostgreSQL, looked up as OpenDKIM looks up a database list: rows keyed by the host name and each
    /// <c>.parent</c> (nearest first), and by the address and every <c>network/bits</c> containing it (most
    /// precise first), each also with <c>!</c> for an exclusion (which wins at the same precision). Addresses are
    /// written as .NET and inet_ntop write them (<c>192.0.2.1</c>, <c>2001:db8::/32</c>). All candidates go in one
    /// query, cached like the tables.
    /// </summary>
    private static bool ContainsInDatabase(Datasets.PostgreSql.PgsqlTable database, IPAddress? address, string? hostname)
    {
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(hostname) && !hostname.StartsWith('['))
        {
            string host = hostname.TrimEnd('.').ToLowerInvariant(); // the table compares exactly; host names ignore case
            for (int start = 0; start >= 0 && start < host.Length; start = host.IndexOf('.', start + 1))
            {
                candidates.Add(host[start..]);
            }
        }

        int names = candidates.Count;
        if (address is not null)
        {
            var client = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            byte[] bytes = client.GetAddressBytes();
            candidates.Add(client.ToString());
            for (int bits = bytes.Length * 8; bits >= 0; bits--)
            {
                candidates.Add($"{Masked(bytes, bits)}/{bits}");
            }
        }

        var keys = candidates.SelectMany(candidate => new[] { "!" + candidate, candidate }).ToList();
        var found = database.LookupMany(keys);
        bool? hostAnswer = null, addressAnswer = null;
        for (int i = 0; i < candidates.Count; i++)
        {
            bool excluded = found[2 * i] is not null, included = found[(2 * i) + 1] is not null;
            if (!excluded && !included)
            {
                continue;
            }

            if (i < names)
            {
                hostAnswer ??= !excluded;
            }
            else
            {
                addressAnswer ??= !excluded;
            }
        }

        return hostAnswer == true || addressAnswer == true;
    }

    private static IPAddress Masked(byte[] bytes, int bits)
    {
        byte[] masked = new byte[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(bits - (i * 8), 0, 8);
            masked[i] = (byte)(bytes[i] & (byte)(0xFF << (8 - keep)));
        }

        return new IPAddress(masked);
    }

    private bool ContainsHost(string? hostname)
    {
        if (_names.Count == 0 || string.IsNullOrEmpty(hostname) || hostname.StartsWith('['))
        {
            return false;
        }

        string host = hostname.TrimEnd('.');
        // The exact name, then each suffix starting at a dot (".b.example.com", ".example.com", ".com").
        for (int start = 0; start >= 0 && start < host.Length; start = host.IndexOf('.', start + 1))
        {
            if (_names.TryGetValue(host[start..], out bool excluded))
            {
                return !excluded;
            }
        }

        return false;
    }

    private bool ContainsAddress(IPAddress? address)
    {
        if (_networks.Count == 0 || address is null)
        {
            return false;
        }

        // A mapped client is tested as IPv4 (against IPv4 and mapped entries) and as IPv6 (against IPv6 ranges
        // such as ::/0 that cover it); a plain IPv4 client only as IPv4, as OpenDKIM does.
        IPAddress? asV4 = address.AddressFamily == AddressFamily.InterNetwork ? address
            : address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : null;
        IPAddress? asV6 = address.AddressFamily == AddressFamily.InterNetworkV6 ? new IPAddress(address.GetAddressBytes()) : null;

        int bestSpecificity = -1;
        bool excluded = false;
        foreach (var entry in _networks)
        {
            var network = entry.Network!.Value;
            bool inside = (asV4 is not null && network.Contains(asV4)) || (asV6 is not null && network.Contains(asV6));
            if (!inside || network.Specificity < bestSpecificity)
            {
                continue;
            }

            excluded = network.Specificity > bestSpecificity ? entry.Negated : excluded || entry.Negated;
            bestSpecificity = network.Specificity;
        }

        return bestSpecificity >= 0 && !excluded;
    }
}
