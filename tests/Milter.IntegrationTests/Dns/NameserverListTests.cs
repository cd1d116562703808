using System.Net;
using Milter.Daemon.Dns;

namespace Milter.IntegrationTests.Dns;

public sealed class NameserverListTests
{
    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1:53")]
    [InlineData("  192.0.2.1  ", "192.0.2.1:53")]
    [InlineData("127.0.0.1:5353", "127.0.0.1:5353")]
    [InlineData("127.0.0.1:1", "127.0.0.1:1")]
    [InlineData("127.0.0.1:65535", "127.0.0.1:65535")]
    [InlineData("2001:db8::1", "[2001:db8::1]:53")]
    [InlineData("::1", "[::1]:53")]
    [InlineData("::ffff:192.0.2.1", "[::ffff:192.0.2.1]:53")]
    [InlineData("[2001:db8::1]:5353", "[2001:db8::1]:5353")]
    [InlineData("[::1]", "[::1]:53")]
    public void Parses_one_entry(string text, string expected)
    {
        var servers = NameserverList.Parse(text);

        Assert.Equal(expected, Assert.Single(servers).ToString());
    }

    [Fact]
    public void Parses_a_list_in_order_with_spaces_around_entries()
    {
        var servers = NameserverList.Parse("192.0.2.1, 198.51.100.7 ,2001:db8::53,\t127.0.0.1:5300");

        Assert.Equal(
            [
                new IPEndPoint(IPAddress.Parse("192.0.2.1"), 53),
                new IPEndPoint(IPAddress.Parse("198.51.100.7"), 53),
                new IPEndPoint(IPAddress.Parse("2001:db8::53"), 53),
                new IPEndPoint(IPAddress.Loopback, 5300),
            ],
            servers);
    }

    [Theory]
    [InlineData("ns1.example.com")]
    [InlineData("localhost")]
    [InlineData("10")]
    [InlineData("10.1")]
    [InlineData("192.0.2")]
    [InlineData("192.0.2.256")]
    [InlineData("192.0.2.1.5")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("192.0.2.1:")]
    [InlineData("192.0.2.1:0")]
    [InlineData("192.0.2.1:65536")]
    [InlineData("192.0.2.1:53a")]
    [InlineData("192.0.2.1:-1")]
    [InlineData("192.0.2.1 53")]
    [InlineData("[2001:db8::1]:")]
    [InlineData("[2001:db8::1]53")]
    [InlineData("[2001:db8::1")]
    [InlineData("[192.0.2.1]:53")]
    [InlineData("2001:db8::g")]
    [InlineData("2001:db8::1:5353:")]
    public void Refuses_an_entry_naming_it_and_the_accepted_forms(string entry)
    {
        var ex = Assert.Throws<FormatException>(() => NameserverList.Parse($"192.0.2.9, {entry}"));

        Assert.Contains($"\"{entry.Trim()}\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("192.0.2.1:5353", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2001:db8::1]:5353", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Refuses_an_empty_value(string text)
    {
        var ex = Assert.Throws<FormatException>(() => NameserverList.Parse(text));

        Assert.StartsWith("Nameservers is empty", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.1,,192.0.2.2", 2)]
    [InlineData("192.0.2.1,", 2)]
    [InlineData(",192.0.2.1", 1)]
    public void Refuses_an_empty_entry_saying_which(string text, int position)
    {
        var ex = Assert.Throws<FormatException>(() => NameserverList.Parse(text));

        Assert.StartsWith($"Nameservers entry {position} is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_from_the_configuration_default_to_the_system_servers_and_5_seconds()
    {
        var settings = DnsKeyResolverSettings.FromConfiguration(null, null);

        Assert.Empty(settings.Nameservers);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Timeout);
    }

    [Fact]
    public void Settings_from_the_configuration_take_both_values()
    {
        var settings = DnsKeyResolverSettings.FromConfiguration("127.0.0.1:5353", 2);

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5353), Assert.Single(settings.Nameservers));
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Timeout);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Settings_refuse_a_timeout_that_is_not_positive(int seconds)
    {
        var ex = Assert.Throws<FormatException>(() => DnsKeyResolverSettings.FromConfiguration(null, seconds));

        Assert.Contains("DNSTimeout", ex.Message, StringComparison.Ordinal);
    }
}
