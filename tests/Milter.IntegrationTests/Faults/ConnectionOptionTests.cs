using Milter.Configuration;
using Milter.Daemon.Startup;
using Milter.IntegrationTests.Daemon;
using Milter.Protocol.Server;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// dkim-milter's own options ConnectionIdleTimeout, MessageIdleTimeout and MaximumConnections: defaults that never
/// cut Postfix off first, and values out of range refused at start-up with file and line, like every option.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class ConnectionOptionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-conn-options-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Defaults_outlast_every_Postfix_wait_and_allow_a_thousand_connections()
    {
        var limits = ConnectionLimits.From(ConfigFileParser.Parse("Socket inet:8891@localhost\n", "t.conf"));

        // Postfix waits up to smtpd_timeout (300 s) for its client per command and milter_content_timeout (300 s)
        // for us: a connection can sit idle that long and more while Postfix still means to use it.
        Assert.Equal(TimeSpan.FromSeconds(7210), limits.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7210), limits.MessageIdleTimeout);
        Assert.True(limits.IdleTimeout > ConnectionLimits.PostfixSmtpdTimeout);
        Assert.Equal(4096, limits.MaxConnections);
        Assert.Empty(limits.ShorterThanPostfix(ConfigFileParser.Parse("", "t.conf")));
        var server = limits.ToServerOptions();
        Assert.Equal(new MilterServerOptions().Backlog, server.Backlog);
        Assert.Equal(limits.IdleTimeout, server.Session.IdleTimeout);
    }

    [Theory]
    [InlineData("ConnectionIdleTimeout 0", "ConnectionIdleTimeout takes 1 to 2147483 (seconds), not '0'")]
    [InlineData("ConnectionIdleTimeout 2147484", "ConnectionIdleTimeout takes 1 to 2147483 (seconds), not '2147484'")]
    [InlineData("MessageIdleTimeout -5", "MessageIdleTimeout takes 1 to 2147483 (seconds), not '-5'")]
    [InlineData("MessageIdleTimeout 5m", "MessageIdleTimeout takes a number, not '5m'")]
    [InlineData("MaximumConnections -1", "MaximumConnections takes 0 to 2147483647 (sessions at once, 0 for no limit), not '-1'")]
    [InlineData("MaximumConnections many", "MaximumConnections takes a number, not 'many'")]
    public async Task Values_out_of_range_stop_start_up_with_file_and_line(string line, string hint)
    {
        string config = Path.Combine(_directory, "opendkim.conf");
        File.WriteAllText(config, $"Socket inet:8891@127.0.0.1\nMode v\n{line}\n");

        var (exitCode, output) = await DaemonProcess.RunAsync("-n", "-x", config);

        Assert.Equal(ExitCodes.Config, exitCode);
        Assert.Contains($"{config}: configuration error at line 3: illegal value ({hint})", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valid_values_pass_the_check_with_no_diagnostic()
    {
        string config = Path.Combine(_directory, "opendkim.conf");
        File.WriteAllText(config, "Socket inet:8891@127.0.0.1\nMode v\nConnectionIdleTimeout 600\nMessageIdleTimeout 900\nMaximumConnections 0\n");

        var (exitCode, output) = await DaemonProcess.RunAsync("-n", "-x", config);

        Assert.True(exitCode == ExitCodes.Success, output);
        Assert.DoesNotContain("Timeout", output, StringComparison.Ordinal);
        Assert.DoesNotContain("MaximumConnections", output, StringComparison.Ordinal);
    }
}
