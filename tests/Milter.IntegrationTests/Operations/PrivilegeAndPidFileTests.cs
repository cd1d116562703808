using System.Globalization;
using Milter.IntegrationTests.Daemon;

namespace Milter.IntegrationTests.Operations;

/// <summary>
/// Started as root with UserID, the daemon binds and reads its keys as root, then runs as that user for good
/// (read back from /proc, not from its own log). The PID file appears once it listens and goes when it exits.
/// </summary>
public sealed class PrivilegeAndPidFileTests : IDisposable
{
    private const uint Nobody = 65534;
    private const uint NoGroup = 65534;
    private readonly OperationsRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task UserID_drops_root_after_binding_and_reading_a_root_only_key()
    {
        Assert.Equal(0u, global::Milter.Daemon.Platform.Posix.GetEffectiveUserId()); // CI runs as root; this test is about leaving it
        string socketPath = _rig.Path("milter.sock");
        _rig.WriteConfig($"local:{socketPath}", "UserID nobody:nogroup\nUMask 007\n");
        // The key stays root's (0600): only a daemon that read it before the drop can sign.
        var daemon = await _rig.StartAsync("-x", _rig.ConfigPath, "-f");

        var status = ProcessStatus(daemon.Pid);
        Assert.Equal($"{Nobody}\t{Nobody}\t{Nobody}\t{Nobody}", status["Uid"]);
        Assert.Equal($"{NoGroup}\t{NoGroup}\t{NoGroup}\t{NoGroup}", status["Gid"]);
        Assert.DoesNotContain("0", status["Groups"].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("0000000000000000", status["CapEff"]);
        Assert.Contains("running as nobody:nogroup (uid 65534, gid 65534)", daemon.Output, StringComparison.Ordinal);
        // The socket is the service user's, so the MTA connects through its group.
        Assert.Equal((Nobody, NoGroup), await OwnerAsync(socketPath));
        Assert.Equal("mail", await OperationsRig.SignAsync(OperationsRig.Unix(socketPath)));
        Assert.Equal(0, await daemon.StopAsync(OperationsRig.StopTimeout));
    }

    [Fact]
    public async Task The_seeds_configuration_as_printed_runs_as_opendkim_once_its_signing_table_typo_is_fixed()
    {
        // The seed's file says UserID opendkim:opendkim and PidFile /var/run/opendkim/opendkim.pid; only the socket
        // and PID file are moved (-p, -P) so the test uses its own, and the tables point at this test's copies.
        string seed = Path.Combine(RepositoryRoot.Path, "samples", "seed");
        File.WriteAllText(_rig.Path("SeedKeyTable"), File.ReadAllText(Path.Combine(seed, "KeyTable"))
            .Replace("/etc/opendkim/keys/shjtest.o-r.kr/mail.private", _rig.Path("seed.private"), StringComparison.Ordinal));
        File.Copy(Path.Combine(RepositoryRoot.Path, "samples", "local", "keys", "mail.private"), _rig.Path("seed.private"));
        File.SetUnixFileMode(_rig.Path("seed.private"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(_rig.Path("SeedSigningTable"), File.ReadAllText(Path.Combine(seed, "SigningTable"))
            .Replace("1728277767.r:_domainkey", "1728277767.r._domainkey", StringComparison.Ordinal));
        File.WriteAllText(_rig.ConfigPath, File.ReadAllText(Path.Combine(seed, "opendkim.conf"))
            .Replace("/etc/opendkim/KeyTable", _rig.Path("SeedKeyTable"), StringComparison.Ordinal)
            .Replace("/etc/opendkim/SigningTable", _rig.Path("SeedSigningTable"), StringComparison.Ordinal));
        string socketPath = _rig.Path("milter.sock");
        string pidPath = _rig.Path("opendkim.pid");

        var daemon = await _rig.StartAsync("-x", _rig.ConfigPath, "-f", "-p", $"local:{socketPath}", "-P", pidPath);

        var opendkim = global::Milter.Daemon.Platform.ServiceAccount.Resolve("opendkim:opendkim");
        var status = ProcessStatus(daemon.Pid);
        Assert.StartsWith($"{opendkim.UserId}\t{opendkim.UserId}\t", status["Uid"], StringComparison.Ordinal);
        Assert.StartsWith($"{opendkim.GroupId}\t{opendkim.GroupId}\t", status["Gid"], StringComparison.Ordinal);
        Assert.Equal($"{daemon.Pid}\n", File.ReadAllText(pidPath));
        await using (var client = await global::Milter.Protocol.Client.MilterClient.ConnectAsync(OperationsRig.Unix(socketPath)))
        {
            await client.NegotiateAsync(global::Milter.Protocol.Client.MtaProfile.Postfix2);
        }

        Assert.Equal(0, await daemon.StopAsync(OperationsRig.StopTimeout));
    }

    [Fact]
    public async Task The_u_flag_overrides_UserID_and_takes_a_user_alone()
    {
        var (daemon, _) = await _rig.StartOnFreePortAsync(port => $"inet:{port}@127.0.0.1", "UserID root\n", "-u", "nobody");

        var status = ProcessStatus(daemon.Pid);
        Assert.StartsWith($"{Nobody}\t", status["Uid"], StringComparison.Ordinal);
        Assert.StartsWith($"{NoGroup}\t", status["Gid"], StringComparison.Ordinal); // nobody's primary group
    }

    [Fact]
    public async Task An_unknown_user_is_a_configuration_error_with_file_line_and_the_command_to_create_it()
    {
        _rig.WriteConfig("inet:8891@127.0.0.1", "UserID no-such-user-here:nogroup\n");

        var (exitCode, output) = await DaemonProcess.RunAsync("-x", _rig.ConfigPath);

        Assert.Equal(78, exitCode);
        Assert.Contains($"{_rig.ConfigPath}: configuration error at line 4: unknown account", output, StringComparison.Ordinal);
        Assert.Contains("adduser --system --group no-such-user-here", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_group_is_named()
    {
        _rig.WriteConfig("inet:8891@127.0.0.1", "UserID nobody:no-such-group-here\n");

        var (exitCode, output) = await DaemonProcess.RunAsync("-x", _rig.ConfigPath, "-n");

        Assert.Equal(78, exitCode);
        Assert.Contains("no group 'no-such-group-here'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pid_file_holds_the_pid_while_running_and_is_removed_at_exit()
    {
        string pidPath = _rig.Path("dkim-milter.pid");
        File.WriteAllText(pidPath, "999999\n"); // left by a run that is long gone
        var (daemon, _) = await _rig.StartOnFreePortAsync(port => $"inet:{port}@127.0.0.1", $"PidFile {pidPath}\n");

        Assert.Equal($"{daemon.Pid}\n", File.ReadAllText(pidPath));
        Assert.DoesNotContain("still running", daemon.Output, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.StopAsync(OperationsRig.StopTimeout));
        Assert.False(File.Exists(pidPath), "the PID file should be removed at exit");
    }

    [Fact]
    public async Task The_P_flag_overrides_PidFile_and_a_dropped_daemon_still_removes_it_from_its_own_directory()
    {
        // The systemd way: /run/opendkim belongs to the service user, so the file can go after the drop.
        string runDirectory = _rig.Path("run");
        Directory.CreateDirectory(runDirectory);
        Assert.Equal(0, global::Milter.Daemon.Platform.Posix.ChangeOwner(runDirectory, Nobody, NoGroup));
        string pidPath = Path.Combine(runDirectory, "opendkim.pid");
        var (daemon, _) = await _rig.StartOnFreePortAsync(port => $"inet:{port}@127.0.0.1",
            $"PidFile {_rig.Path("unused.pid")}\nUserID nobody:nogroup\n", "-P", pidPath);

        Assert.Equal($"{daemon.Pid}\n", File.ReadAllText(pidPath));
        Assert.False(File.Exists(_rig.Path("unused.pid")));
        Assert.Equal(0, await daemon.StopAsync(OperationsRig.StopTimeout));
        Assert.False(File.Exists(pidPath), daemon.Output);
    }

    [Fact]
    public async Task A_pid_file_that_cannot_be_written_stops_the_start_with_the_reason()
    {
        string pidPath = _rig.Path("missing-directory/opendkim.pid");
        _rig.WriteConfig($"inet:{FreePortFor()}@127.0.0.1", $"PidFile {pidPath}\n");

        var (exitCode, output) = await DaemonProcess.RunAsync("-x", _rig.ConfigPath);

        Assert.Equal(71, exitCode);
        Assert.Contains($"cannot write PID file {pidPath}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BaseDirectory_is_where_relative_table_and_key_paths_are_read_from()
    {
        File.WriteAllText(_rig.Path("KeyTable"), "mail._domainkey.example.com example.com:mail:./" + Handler.TestKeys.RsaFile + "\n");
        string socketPath = _rig.Path("milter.sock");
        File.WriteAllText(_rig.ConfigPath,
            $"Socket local:{socketPath}\nBaseDirectory {_rig.Directory}\nKeyTable refile:KeyTable\nSigningTable refile:./SigningTable\n");

        // Started from the repository root: without BaseDirectory nothing above would be found.
        await _rig.StartAsync("-x", _rig.ConfigPath, "-f");

        Assert.Equal("mail", await OperationsRig.SignAsync(OperationsRig.Unix(socketPath)));
    }

    [Fact]
    public async Task A_missing_BaseDirectory_is_a_configuration_error_at_its_line()
    {
        _rig.WriteConfig("inet:8891@127.0.0.1", $"BaseDirectory {_rig.Path("nowhere")}\n");

        var (exitCode, output) = await DaemonProcess.RunAsync("-x", _rig.ConfigPath, "-n");

        Assert.Equal(78, exitCode);
        Assert.Contains($"{_rig.ConfigPath}: configuration error at line 4: cannot use BaseDirectory", output, StringComparison.Ordinal);
    }

    private static int FreePortFor() => Postfix.FreePort.Pick();

    private static Dictionary<string, string> ProcessStatus(int pid) =>
        File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status")
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());

    private static async Task<(uint Uid, uint Gid)> OwnerAsync(string path)
    {
        // stat -c is the plainest way to read a file's owner from .NET.
        var result = await Processes.ProcessRunner.RunAsync("stat", ["-c", "%u %g", path], TimeSpan.FromSeconds(10));
        var parts = result.StandardOutput.Trim().Split(' ');
        return (uint.Parse(parts[0], CultureInfo.InvariantCulture), uint.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
