using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Configuration.Options;
using Milter.Daemon.Startup;

namespace Milter.IntegrationTests.Daemon;

/// <summary>A configuration that sets every option this build implements, each to a non-default value, is read and applied.</summary>
public sealed class ImplementedOptionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-options-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Every_implemented_option_is_applied()
    {
        string key = Path.Combine(_directory, "mail.private");
        File.Copy(Path.Combine(RepositoryRoot.Path, "samples", "local", "keys", "mail.private"), key);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        File.WriteAllText(Path.Combine(_directory, "KeyTable"), $"k1 example.com:sel:{key}\n");
        File.WriteAllText(Path.Combine(_directory, "SigningTable"), "*@example.com k1\n");
        string included = Path.Combine(_directory, "logging.conf");
        File.WriteAllText(included, "Syslog yes\nSyslogSuccess yes\nSyslogFacility local3\nSyslogName dkim-test\nLogWhy yes\n");
        string path = Path.Combine(_directory, "opendkim.conf");
        File.WriteAllText(path,
            "Socket inet6:8891@[::1]\n" +
            $"Include {included}\n" +
            "Background no\n" +
            $"KeyTable refile:{_directory}/KeyTable\n" +
            $"SigningTable refile:{_directory}/SigningTable\n" +
            "RequireSafeKeys no\n");

        var config = ConfigFileParser.Load(path);
        var settings = DaemonSettings.From(config, CommandLine.Parse(["-x", path]));

        Assert.Equal(SocketSpec.Parse("inet6:8891@[::1]"), settings.Socket);
        Assert.True(settings.Syslog);
        Assert.True(settings.SyslogSuccess);
        Assert.Equal("local3", settings.SyslogFacility);
        Assert.Equal("dkim-test", settings.SyslogName);
        Assert.True(settings.LogWhy);
        Assert.False(settings.Background);
        Assert.Empty(OptionValidator.Validate(config));
        // KeyTable and SigningTable are read and cross-checked; RequireSafeKeys no lets the world-readable key pass.
        Assert.Empty(ConfigurationChecks.Run(config));
        Assert.All(config.Entries.Keys, name => Assert.Contains(name, ImplementedOptions.Names));
        Assert.All(ImplementedOptions.Names.Where(name => name != "Include"), name => Assert.Contains(name, config.Entries.Keys, StringComparer.OrdinalIgnoreCase));
    }
}
