using Milter.Configuration.Messages;

namespace Milter.Configuration.Tests.Messages;

public sealed class VerificationSettingsTests
{
    private static VerificationSettings Read(string text)
    {
        var problems = new List<ConfigurationException>();
        var settings = VerificationSettings.From(ConfigFileParser.Parse(text, "test.conf"), problems);
        Assert.Empty(problems);
        return settings;
    }

    [Fact]
    public void Defaults_are_OpenDKIMs()
    {
        var settings = Read("");
        Assert.Equal(3, settings.MaximumSignatures);
        Assert.Equal(1024, settings.MinimumKeyBits);
        Assert.Equal(TimeSpan.FromSeconds(300), settings.ClockDrift);
        Assert.Null(settings.AuthservId);
        Assert.False(settings.AlwaysAddResultsToUnsigned);
        Assert.False(settings.KeepAuthResults);
        Assert.False(settings.RemoveAllAuthResults);
        Assert.Empty(settings.RemoveAuthResultsFrom);
    }

    [Fact]
    public void Every_setting_is_read()
    {
        var settings = Read("""
            MaximumSignaturesToVerify 5
            MinimumKeyBits 2048
            ClockDrift 60
            AuthservID mx.example.net
            AlwaysAddARHeader yes
            KeepAuthResults yes
            RemoveARAll yes
            RemoveARFrom mx1.example.org,.example.com
            """);
        Assert.Equal(5, settings.MaximumSignatures);
        Assert.Equal(2048, settings.MinimumKeyBits);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.ClockDrift);
        Assert.Equal("mx.example.net", settings.AuthservId);
        Assert.True(settings.AlwaysAddResultsToUnsigned);
        Assert.True(settings.KeepAuthResults);
        Assert.True(settings.RemoveAllAuthResults);
        Assert.Equal(["mx1.example.org", ".example.com"], settings.RemoveAuthResultsFrom);
    }

    [Theory]
    [InlineData("mx1.example.org", true)]
    [InlineData("MX1.Example.Org", true)]
    [InlineData("mx2.example.org", false)]
    [InlineData("a.example.com", true)]
    [InlineData("deep.a.example.com", true)]
    // ".example.com" names the domain's hosts, as in RemoveARFrom's documentation: "on domain names (e.g. ".example.com")".
    [InlineData("example.com", false)]
    [InlineData("badexample.com", false)]
    public void RemoveARFrom_matches_full_host_names_and_dot_domains(string authservId, bool removed)
    {
        Assert.Equal(removed, Read("RemoveARFrom mx1.example.org,.example.com\n").RemovesFrom(authservId));
    }
}
