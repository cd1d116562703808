using System.Net.Sockets;
using Milter.IntegrationTests.MilterTest;
using Milter.IntegrationTests.Postfix;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.Daemon;

/// <summary>The dkim-milter executable as an administrator meets it: flags, configuration checks, serving, stopping.</summary>
public sealed class DaemonTests : IDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-daemon-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_seeds_configuration_as_printed_is_refused_for_its_signing_table_typo_with_the_fix()
    {
        string config = SeedDeployment(fixSigningTable: false);

        var (exitCode, output) = await DaemonProcess.RunAsync("-n", "-x", config);

        Assert.Equal(78, exitCode);
        Assert.Contains("SigningTable: configuration error at line 1", output, StringComparison.Ordinal);
        Assert.Contains("did you mean 1728277767.r._domainkey.shjtest.o-r.kr?", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_seeds_configuration_with_the_signing_table_fixed_passes_the_check()
    {
        var (exitCode, output) = await DaemonProcess.RunAsync("-n", "-x", SeedDeployment(fixSigningTable: true));

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task A_world_readable_key_is_refused_with_the_command_that_fixes_it()
    {
        string config = SeedDeployment(fixSigningTable: true);
        string key = Path.Combine(_directory, "keys", "mail.private");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (exitCode, output) = await DaemonProcess.RunAsync("-n", "-x", config);

        Assert.Equal(78, exitCode);
        Assert.Contains($"key data is not secure: {key}: the key can be read by other users", output, StringComparison.Ordinal);
        Assert.Contains($"chmod o-rwx {key}", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The seed's opendkim.conf exactly as printed (Korean comments and all), its KeyTable and SigningTable as
    /// printed, with only the /etc/opendkim paths pointed at this test's directory; the bundled test key, mode 600.
    /// </summary>
    private string SeedDeployment(bool fixSigningTable)
    {
        string seed = Path.Combine(RepositoryRoot.Path, "samples", "seed");
        Directory.CreateDirectory(Path.Combine(_directory, "keys"));
        string key = Path.Combine(_directory, "keys", "mail.private");
        File.Copy(Path.Combine(RepositoryRoot.Path, "samples", "local", "keys", "mail.private"), key, overwrite: true);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Write("KeyTable", File.ReadAllText(Path.Combine(seed, "KeyTable")).Replace("/etc/opendkim/keys/shjtest.o-r.kr/mail.private", key, StringComparison.Ordinal));
        string signingTable = File.ReadAllText(Path.Combine(seed, "SigningTable"));
        Write("SigningTable", fixSigningTable ? signingTable.Replace("1728277767.r:_domainkey", "1728277767.r._domainkey", StringComparison.Ordinal) : signingTable);
        return Write("opendkim.conf", File.ReadAllText(Path.Combine(seed, "opendkim.conf"))
            .Replace("/etc/opendkim/KeyTable", Path.Combine(_directory, "KeyTable"), StringComparison.Ordinal)
            .Replace("/etc/opendkim/SigningTable", Path.Combine(_directory, "SigningTable"), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Socket inet:8891@localhost\nBogusName 1\n", "configuration error at line 2: unrecognized parameter")]
    [InlineData("Socket inet:localhost:8891\n", "OpenDKIM writes inet:8891@localhost")]
    [InlineData("Syslog yes\n", "no socket")]
    [InlineData("Socket inet:8891@localhost\nSyslog maybe\n", "configuration error at line 2: illegal value")]
    public async Task Configuration_mistakes_exit_78_with_file_and_line(string text, string expected)
    {
        string path = Write("opendkim.conf", text);

        var (exitCode, output) = await DaemonProcess.RunAsync("-n", "-x", path);

        Assert.Equal(78, exitCode);
        Assert.Contains(path, output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_configuration_file_exits_78()
    {
        var (exitCode, output) = await DaemonProcess.RunAsync("-n", "-x", Path.Combine(_directory, "absent.conf"));

        Assert.Equal(78, exitCode);
        Assert.Contains("error reading configuration file", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_flag_exits_64_with_usage()
    {
        var (exitCode, output) = await DaemonProcess.RunAsync("-q");

        Assert.Equal(64, exitCode);
        Assert.Contains("unknown option -q", output, StringComparison.Ordinal);
        Assert.Contains("usage: dkim-milter", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V_prints_the_version_and_what_this_build_supports()
    {
        var (exitCode, output) = await DaemonProcess.RunAsync("-V");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("dkim-milter ", output, StringComparison.Ordinal);
        Assert.Contains("rsa-sha256, ed25519-sha256", output, StringComparison.Ordinal);
        Assert.Contains("versions 2 to 6", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_busy_port_exits_69_with_a_plain_message()
    {
        using var occupier = new TcpListener(System.Net.IPAddress.Loopback, 0);
        occupier.Start();
        int port = ((System.Net.IPEndPoint)occupier.LocalEndpoint).Port;

        var (exitCode, output) = await DaemonProcess.RunAsync("-x", Write("opendkim.conf", $"Socket inet:{port}@127.0.0.1\n"));

        Assert.Equal(69, exitCode);
        Assert.Contains($"cannot listen on inet:{port}@127.0.0.1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serves_a_postfix_v2_session_driven_by_miltertest_then_stops_cleanly_on_SIGTERM()
    {
        int port = FreePort.Pick();
        string config = Write("opendkim.conf", $"Socket inet:{port}@127.0.0.1 # as the seed writes it\nSyslog no\n");
        await using var daemon = await DaemonProcess.StartAsync("-x", config, "-f");

        var script = Path.Combine(AppContext.BaseDirectory, "Daemon", "Scripts", "postfix-v2-session.lua");
        var result = await MilterTestRunner.RunAsync(script, new Dictionary<string, string> { ["socket"] = $"inet:{port}@127.0.0.1" });

        Assert.True(result.ExitCode == 0, $"{result}\n--- daemon ---\n{daemon.Output}");
        Assert.Contains("session complete", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.StopAsync(StopTimeout));
        Assert.Contains("stopped listening", daemon.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("protocol error", daemon.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_p_flag_overrides_the_file_and_a_unix_socket_is_served_and_removed_at_exit()
    {
        string socketPath = Path.Combine(_directory, "milter.sock");
        string config = Write("opendkim.conf", "Socket inet:1@127.0.0.1\n");
        await using var daemon = await DaemonProcess.StartAsync("-x", config, "-p", $"local:{socketPath}");

        await using (var client = await MilterClient.ConnectAsync(new UnixDomainSocketEndPoint(socketPath)))
        {
            var negotiated = await client.NegotiateAsync(MtaProfile.Postfix6);
            Assert.Equal(6u, negotiated.Version);
            Assert.Equal(SimpleReply.Continue, await client.ConnectAsync("localhost", ConnectionFamily.Inet, 0, "127.0.0.1"));
            await client.QuitAsync();
        }

        Assert.Equal(0, await daemon.StopAsync(StopTimeout));
        Assert.False(File.Exists(socketPath), "the socket file should be removed at exit");
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
