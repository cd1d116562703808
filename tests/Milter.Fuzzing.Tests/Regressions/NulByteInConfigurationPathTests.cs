using System.Text;
using Milter.Configuration;
using Milter.Fuzzing.Targets;

namespace Milter.Fuzzing.Tests.Regressions;

/// <summary>
/// Found by the CI pass (opendkim-conf, mutated seed, CsCheck seed bPB4y8aQ_3h2): a NUL byte inside a path in
/// opendkim.conf (here the seed's KeyTable line) reached File.ReadAllLines, whose ArgumentException ("Null
/// character in path") escaped start-up as an unhandled exception with a stack trace instead of a configuration
/// error with file and line. Include and KeyFile paths failed the same way.
/// </summary>
public sealed class NulByteInConfigurationPathTests
{
    [Theory]
    [InlineData("KeyTable refile:/etc/op\0endkim/KeyTable\n")]
    [InlineData("Include /etc/opendkim\0.conf\n")]
    [InlineData("KeyFile /etc/opendkim/keys/mail\0.private\n")]
    [InlineData("InternalHosts /etc/opendkim/Trusted\0Hosts\n")]
    public void Is_a_configuration_error_with_its_line(string text)
    {
        var outcome = FuzzHarness.Execute(new ConfigFileTarget(), Encoding.UTF8.GetBytes(text));

        var error = Assert.IsType<ConfigurationException>(outcome);
        Assert.Equal(1, error.Line);
        Assert.Equal("NUL byte in line", error.Problem);
    }
}
