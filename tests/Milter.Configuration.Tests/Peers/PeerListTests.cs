using System.Net;
using Milter.Configuration.Datasets;
using Milter.Configuration.Peers;

namespace Milter.Configuration.Tests.Peers;

/// <summary>
/// Every row was also run against OpenDKIM 2.11 (Debian) with miltertest, a PeerList csl: and mt.conninfo (in
/// the list = the filter accepts at connect); it answers the same except in the rows marked as deliberate
/// differences.
/// </summary>
public sealed class PeerListTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    // IPv4 addresses and ranges; the most precise entry decides.
    [InlineData("192.0.2.0/24", "192.0.2.5", true)]
    [InlineData("192.0.2.0/24", "192.0.3.5", false)]
    [InlineData("192.0.2.5", "192.0.2.5", true)]
    [InlineData("192.0.2.5", "192.0.2.6", false)]
    [InlineData("192.0.2.5/32", "192.0.2.5", true)]
    [InlineData("0.0.0.0/0", "10.1.1.1", true)]
    [InlineData("10.0.0.0/8,172.16.0.0/12", "172.31.255.255", true)]
    [InlineData("10.0.0.0/8,172.16.0.0/12", "172.32.0.1", false)]
    [InlineData("192.0.2.0/24,!192.0.2.7", "192.0.2.7", false)]
    [InlineData("192.0.2.0/24,!192.0.2.7", "192.0.2.8", true)]
    [InlineData("!192.0.2.0/24,192.0.2.5", "192.0.2.5", true)]
    [InlineData("!192.0.2.0/24,192.0.2.5", "192.0.2.6", false)]
    [InlineData("!192.0.2.0/25,192.0.2.0/24", "192.0.2.200", true)]
    [InlineData("!192.0.2.0/25,192.0.2.0/24", "192.0.2.100", false)]
    // Equally precise: the negation wins, whatever the order.
    [InlineData("192.0.2.0/24,!192.0.2.0/24", "192.0.2.1", false)]
    [InlineData("!192.0.2.0/24,192.0.2.0/24", "192.0.2.1", false)]
    // Brackets are allowed around the address part, as opendkim.conf(5) says. (OpenDKIM's own look-up of a
    // bracketed single IPv4 address is broken: "[192.0.2.5]" was observed not to match; ranges work.)
    [InlineData("[192.0.2.128]/25", "192.0.2.200", true)]
    [InlineData("[192.0.2.5]", "192.0.2.5", true)]
    // IPv6.
    [InlineData("::1", "::1", true)]
    [InlineData("::1", "127.0.0.1", false)]
    [InlineData("2001:db8::/32", "2001:db8::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8::1/128", "2001:db8::1", true)]
    [InlineData("2001:db8::/32,!2001:db8:bad::/48", "2001:db8:bad::25", false)]
    [InlineData("2001:db8::/32,!2001:db8:bad::/48", "2001:db8:beef::25", true)]
    [InlineData("[2001:db8::]/32", "2001:db8::1", true)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("2001:DB8::/32", "2001:db8::1", true)]
    // A plain IPv4 client is not in IPv6 ranges (OpenDKIM checks its AF_INET address only).
    [InlineData("::/0", "192.0.2.1", false)]
    // Deliberate differences: IPv6 compared as addresses, not text (OpenDKIM: no match for this spelling)...
    [InlineData("2001:0db8::/32", "2001:db8::1", true)]
    [InlineData("2001:db8:0:0::/64", "2001:db8::1", true)]
    // ...and IPv4-mapped IPv6 clients and entries match IPv4 (OpenDKIM: no match, observed).
    [InlineData("192.0.2.5", "::ffff:192.0.2.5", true)]
    [InlineData("192.0.2.0/24", "::ffff:192.0.2.77", true)]
    [InlineData("192.0.2.0/24,!192.0.2.77", "::ffff:192.0.2.77", false)]
    [InlineData("::ffff:192.0.2.0/120", "192.0.2.5", true)]
    [InlineData("::ffff:192.0.2.0/120", "::ffff:192.0.2.5", true)]
    [InlineData("::ffff:192.0.2.5", "192.0.2.5", true)]
    [InlineData("::/0", "::ffff:192.0.2.1", true)]
    public void Addresses_match_addresses_and_ranges(string list, string address, bool expected)
    {
        var peers = PeerList.From(List(list));

        Assert.Equal(expected, peers.Contains(IPAddress.Parse(address), null));
    }

    [Theory]
    [InlineData(".example.com", "mail.example.com", true)]
    [InlineData(".example.com", "a.b.example.com", true)]
    // A .domain entry covers the hosts under the domain, not the domain's own name (OpenDKIM, observed).
    [InlineData(".example.com", "example.com", false)]
    [InlineData(".example.com", "xexample.com", false)]
    [InlineData("example.com", "example.com", true)]
    [InlineData("example.com", "mail.example.com", false)]
    [InlineData("example.com", "EXAMPLE.COM", true)]
    [InlineData("Mail.Example.COM", "mail.example.com", true)]
    // Deliberate difference: a fully qualified name's final dot is ignored (OpenDKIM: no match).
    [InlineData("mail.example.com", "mail.example.com.", true)]
    [InlineData("localhost", "localhost", true)]
    // The nearest entry decides; at the same name, the negation.
    [InlineData(".example.com,!mail.example.com", "mail.example.com", false)]
    [InlineData(".example.com,!mail.example.com", "x.mail.example.com", true)]
    [InlineData(".example.com,!mail.example.com", "www.example.com", true)]
    [InlineData("!.example.com,mail.example.com", "mail.example.com", true)]
    [InlineData("!.example.com,mail.example.com", "www.example.com", false)]
    [InlineData(".example.com,!.dev.example.com", "ci.dev.example.com", false)]
    [InlineData("mail.example.com,!mail.example.com", "mail.example.com", false)]
    // A bracketed address literal (no PTR record) is not a host name.
    [InlineData("[192.0.2.5]", "[192.0.2.5]", false)]
    public void Host_names_match_names_and_domains(string list, string hostname, bool expected)
    {
        var peers = PeerList.From(List(list));

        Assert.Equal(expected, peers.Contains(null, hostname));
    }

    [Theory]
    // Name and address are checked separately; either one matching is enough (OpenDKIM, observed): a negated
    // name does not veto a matching address, nor the reverse.
    [InlineData("!bad.example.com,192.0.2.0/24", "bad.example.com", "192.0.2.5", true)]
    [InlineData("!bad.example.com,.example.com", "bad.example.com", "198.51.100.1", false)]
    [InlineData(".example.com,!192.0.2.5", "mail.example.com", "192.0.2.5", true)]
    [InlineData("192.0.2.0/24", "[192.0.2.5]", "192.0.2.5", true)]
    [InlineData("192.0.2.0/24", "mail.example.com", "198.51.100.1", false)]
    public void Either_the_name_or_the_address_may_match(string list, string hostname, string address, bool expected)
    {
        var peers = PeerList.From(List(list));

        Assert.Equal(expected, peers.Contains(IPAddress.Parse(address), hostname));
    }

    [Fact]
    public void Unknown_clients_and_empty_lists_match_nothing()
    {
        Assert.False(PeerList.From(List("192.0.2.0/24,.example.com")).Contains(null, null));
        Assert.False(PeerList.From(List("192.0.2.0/24,.example.com")).Contains(null, ""));
        Assert.False(PeerList.Empty.Contains(IPAddress.Loopback, "localhost"));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("127.0.0.2", false)]
    [InlineData("192.0.2.1", false)]
    public void InternalHosts_defaults_to_the_loopback_addresses(string address, bool expected)
    {
        Assert.Equal(expected, PeerList.DefaultInternalHosts.Contains(IPAddress.Parse(address), "localhost"));
    }

    [Fact]
    public void Files_give_one_entry_a_line_with_their_kinds()
    {
        string path = _directory.Write("peers", "# clients\n192.0.2.0/24\n!192.0.2.7   # except\n.example.com\nmail.example.net\n2001:db8::/32\n");

        var peers = PeerList.From(DatasetParser.Load(new ConfigEntry("PeerList", "file:" + path, "t.conf", 1)));

        Assert.Equal(
            [(PeerListEntryKind.Network, false, 2), (PeerListEntryKind.Network, true, 3), (PeerListEntryKind.Domain, false, 4), (PeerListEntryKind.Host, false, 5), (PeerListEntryKind.Network, false, 6)],
            peers.Entries.Select(entry => (entry.Kind, entry.Negated, entry.Line)));
        Assert.All(peers.Entries, entry => Assert.Equal(path, entry.Source));
        Assert.True(peers.Contains(IPAddress.Parse("192.0.2.8"), null));
        Assert.False(peers.Contains(IPAddress.Parse("192.0.2.7"), null));
    }

    [Theory]
    [InlineData("10.0.0.0/33", "prefix length for IPv4 (0-32)")]
    [InlineData("2001:db8::/129", "prefix length for IPv6 (0-128)")]
    [InlineData("192.0.2.0/", "prefix length")]
    [InlineData("192.0.2.0/abc", "prefix length")]
    [InlineData("192.0.2.0/-1", "prefix length")]
    [InlineData("192.0.2.5/24", "write 192.0.2.0/24 for the network")]
    [InlineData("2001:db8::1/32", "write 2001:db8::/32 for the network")]
    [InlineData("192.0.2", "e.g. 192.0.2.0/24")]
    [InlineData("10/8", "e.g. 10.0.0.0/8")]
    [InlineData("256.1.1.1", "not an IPv4 or IPv6 address")]
    [InlineData("192.0.2.01", "not an IPv4 or IPv6 address")]
    [InlineData("fe80::1%eth0", "not an IPv4 or IPv6 address")]
    [InlineData("2001:db8:::1", "not an IPv4 or IPv6 address")]
    [InlineData("!", "'!' needs")]
    [InlineData("*.example.com", "write .example.com")]
    [InlineData("mail.example.com:25", "not an IPv4 or IPv6 address")]
    [InlineData("example..com", "write a host name")]
    [InlineData("user@example.com", "write a host name")]
    public void A_bad_entry_is_an_error_at_its_file_and_line(string entry, string hint)
    {
        string path = _directory.Write("peers", $"127.0.0.1\n# a comment\n{entry}\n");

        var error = Assert.Throws<ConfigurationException>(() => PeerList.From(DatasetParser.Load(new ConfigEntry("InternalHosts", path, "t.conf", 1))));

        Assert.Equal(path, error.File);
        Assert.Equal(3, error.Line);
        Assert.Equal($"'{entry}' is not a valid peer list entry", error.Problem);
        Assert.Contains(hint, error.Hint, StringComparison.Ordinal);
        Assert.StartsWith($"{path}: configuration error at line 3: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_csl_entry_names_the_configuration_line()
    {
        var error = Assert.Throws<ConfigurationException>(() => PeerList.From(List("127.0.0.1,10.0.0.0/33")));

        Assert.Equal(("t.conf", 7), (error.File, error.Line));
    }

    [Fact]
    public void Refile_patterns_are_refused_but_plain_refile_entries_work()
    {
        string plain = _directory.Write("plain", "192.0.2.0/24\n");
        string glob = _directory.Write("glob", "192.0.2.0/24\n*.example.com\n");

        var peers = PeerList.From(DatasetParser.Load(new ConfigEntry("PeerList", "refile:" + plain, "t.conf", 1)));
        var error = Assert.Throws<ConfigurationException>(() => PeerList.From(DatasetParser.Load(new ConfigEntry("PeerList", "refile:" + glob, "t.conf", 1))));

        Assert.True(peers.Contains(IPAddress.Parse("192.0.2.1"), null));
        Assert.Equal((glob, 2), (error.File, error.Line));
        Assert.Contains("not supported in peer lists", error.Problem, StringComparison.Ordinal);
    }

    private static Dataset List(string entries) => DatasetParser.Load(new ConfigEntry("PeerList", "csl:" + entries, "t.conf", 7));
}
