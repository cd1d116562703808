namespace Milter.Configuration.Tests;

public class ConfigValueTests
{
    [Theory]
    [InlineData("yes", true)]
    [InlineData("Yes", true)]
    [InlineData("true", true)]
    [InlineData("1", true)]
    [InlineData("Tuesday", true)]
    [InlineData("no", false)]
    [InlineData("False", false)]
    [InlineData("0", false)]
    [InlineData("nope", false)]
    public void Booleans_read_only_the_first_character(string text, bool expected)
    {
        var config = ConfigFileParser.Parse($"Syslog {text}", "t.conf");

        Assert.Equal(expected, config.GetBoolean("Syslog", !expected));
    }

    [Fact]
    public void An_illegal_boolean_names_the_line()
    {
        var config = ConfigFileParser.Parse("\nSyslog maybe", "t.conf");

        var error = Assert.Throws<ConfigurationException>(() => config.GetBoolean("Syslog", false));

        Assert.Equal(2, error.Line);
        Assert.Equal("illegal value", error.Problem);
    }

    [Theory]
    [InlineData("007", 7)]
    [InlineData("0777", 511)]
    [InlineData("0x1F", 31)]
    [InlineData("300", 300)]
    [InlineData("0", 0)]
    [InlineData("-5", -5)]
    public void Integers_take_octal_and_hex_prefixes_like_strtol(string text, long expected)
    {
        var config = ConfigFileParser.Parse($"UMask {text}", "t.conf");

        Assert.Equal(expected, config.GetInteger("UMask", -1));
    }

    [Theory]
    [InlineData("08")]
    [InlineData("abc")]
    [InlineData("0xZZ")]
    public void Illegal_integers_are_errors(string text)
    {
        var config = ConfigFileParser.Parse($"DNSTimeout {text}", "t.conf");

        Assert.Throws<ConfigurationException>(() => config.GetInteger("DNSTimeout", 5));
    }

    [Fact]
    public void Unset_values_give_the_default()
    {
        var config = ConfigFileParser.Parse("", "t.conf");

        Assert.Equal(5, config.GetInteger("DNSTimeout", 5));
        Assert.True(config.GetBoolean("Background", true));
        Assert.Null(config.GetString("Socket"));
    }
}
