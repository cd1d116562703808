using System.Net;
using System.Net.Sockets;
using Milter.IntegrationTests.Daemon;
using Milter.Protocol.Client;

namespace Milter.IntegrationTests.Operations;

/// <summary>
/// Every socket form opendkim.conf can name, served by the real daemon: a message is signed through each address
/// the daemon says it listens on, and the unix socket's mode follows UMask.
/// </summary>
public sealed class SocketFormTests : IDisposable
{
    private readonly OperationsRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Localhost_binds_both_loopback_families_so_postfix_reaches_it_whichever_it_picks()
    {
        var (daemon, port) = await _rig.StartOnFreePortAsync(port => $"inet:{port}@localhost");

        // One line per address; the start was noticed at the first.
        await daemon.WaitForOutputAsync($"listening on inet6:{port}@::1", TimeSpan.FromSeconds(10));
        Assert.Contains($"listening on inet:{port}@127.0.0.1", daemon.Output, StringComparison.Ordinal);
        Assert.Equal("mail", await OperationsRig.SignAsync(new IPEndPoint(IPAddress.Loopback, port)));
        Assert.Equal("mail", await OperationsRig.SignAsync(new IPEndPoint(IPAddress.IPv6Loopback, port)));
        Assert.Equal(0, await daemon.StopAsync(OperationsRig.StopTimeout));
    }

    [Fact]
    public async Task Inet_without_a_host_listens_on_every_ipv4_address()
    {
        var (daemon, port) = await _rig.StartOnFreePortAsync(port => $"inet:{port}");

        Assert.Contains($"listening on inet:{port}@0.0.0.0", daemon.Output, StringComparison.Ordinal);
        Assert.Equal("mail", await OperationsRig.SignAsync(OperationsRig.Loopback(port)));
    }

    [Fact]
    public async Task Inet6_with_an_address_literal_listens_there_only()
    {
        var (daemon, port) = await _rig.StartOnFreePortAsync(port => $"inet6:{port}@[::1]");

        Assert.Contains($"listening on inet6:{port}@::1", daemon.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", daemon.Output, StringComparison.Ordinal);
        Assert.Equal("mail", await OperationsRig.SignAsync(new IPEndPoint(IPAddress.IPv6Loopback, port)));
        await Assert.ThrowsAnyAsync<SocketException>(() => MilterClient.ConnectAsync(OperationsRig.Loopback(port)));
    }

    [Fact]
    public async Task Inet6_without_a_host_listens_on_every_ipv6_address()
    {
        var (daemon, port) = await _rig.StartOnFreePortAsync(port => $"inet6:{port}");

        Assert.Contains($"listening on inet6:{port}@::", daemon.Output, StringComparison.Ordinal);
        Assert.Equal("mail", await OperationsRig.SignAsync(new IPEndPoint(IPAddress.IPv6Loopback, port)));
    }

    [Theory]
    [InlineData("local", "007", "0770")]
    [InlineData("unix", "002", "0775")]
    [InlineData("local", "000", "0777")]
    [InlineData("unix", "077", "0700")]
    public async Task A_unix_socket_gets_its_mode_from_UMask_and_is_removed_at_exit(string prefix, string umask, string expectedMode)
    {
        string socketPath = _rig.Path("milter.sock");
        _rig.WriteConfig($"{prefix}:{socketPath}", $"UMask {umask}\n");
        var daemon = await _rig.StartAsync("-x", _rig.ConfigPath, "-f");

        Assert.Equal(Convert.ToInt32(expectedMode, 8), (int)File.GetUnixFileMode(socketPath));
        Assert.Contains($"socket {socketPath} has mode {expectedMode}", daemon.Output, StringComparison.Ordinal);
        Assert.Equal("mail", await OperationsRig.SignAsync(OperationsRig.Unix(socketPath)));
        Assert.Equal(0, await daemon.StopAsync(OperationsRig.StopTimeout));
        Assert.False(File.Exists(socketPath), "the socket should be removed at exit");
        // Modes the MTA cannot use, or anyone can, are said with the fix.
        if (expectedMode == "0700")
        {
            Assert.Contains("Postfix will get 'Permission denied'; set 'UMask 007'", daemon.Output, StringComparison.Ordinal);
        }
        else if (expectedMode == "0777")
        {
            Assert.Contains("can be used by every local user", daemon.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_stale_socket_left_by_a_crashed_run_is_replaced()
    {
        string socketPath = _rig.Path("milter.sock");
        // Bound by a process that then died without unlinking it: what a killed daemon leaves behind. (Not by a
        // .NET socket: disposing one removes its file.)
        var crashed = await Processes.ProcessRunner.RunAsync("/usr/bin/python3",
            ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socketPath], TimeSpan.FromSeconds(30));
        Assert.True(crashed.ExitCode == 0 && File.Exists(socketPath), crashed.ToString());
        _rig.WriteConfig($"local:{socketPath}");
        var daemon = await _rig.StartAsync("-x", _rig.ConfigPath, "-f");

        Assert.Contains($"removed stale socket {socketPath}", daemon.Output, StringComparison.Ordinal);
        Assert.Equal("mail", await OperationsRig.SignAsync(OperationsRig.Unix(socketPath)));
    }

    [Fact]
    public async Task A_file_that_is_not_a_socket_is_never_clobbered()
    {
        string socketPath = _rig.Path("milter.sock");
        File.WriteAllText(socketPath, "precious\n");
        _rig.WriteConfig($"local:{socketPath}");

        var (exitCode, output) = await DaemonProcess.RunAsync("-x", _rig.ConfigPath);

        Assert.Equal(69, exitCode);
        Assert.Contains($"{socketPath} exists and is not a socket; refusing to replace it", output, StringComparison.Ordinal);
        Assert.Equal("precious\n", File.ReadAllText(socketPath));
    }

    [Fact]
    public async Task A_unix_socket_another_process_listens_on_is_left_alone()
    {
        string socketPath = _rig.Path("milter.sock");
        using var other = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        other.Bind(new UnixDomainSocketEndPoint(socketPath));
        other.Listen();
        _rig.WriteConfig($"unix:{socketPath}");

        var (exitCode, output) = await DaemonProcess.RunAsync("-x", _rig.ConfigPath);

        Assert.Equal(69, exitCode);
        Assert.Contains($"another process is already listening on {socketPath}", output, StringComparison.Ordinal);
        Assert.True(File.Exists(socketPath));
    }

    [Fact]
    public async Task A_port_in_use_is_a_plain_error_naming_the_address_and_how_to_find_the_holder()
    {
        using var occupier = new TcpListener(IPAddress.IPv6Loopback, 0);
        occupier.Start();
        int port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        // localhost: 127.0.0.1 may be free, ::1 is not; nothing must be left half-bound.
        _rig.WriteConfig($"inet:{port}@localhost");

        var (exitCode, output) = await DaemonProcess.RunAsync("-x", _rig.ConfigPath);

        Assert.Equal(69, exitCode);
        Assert.Contains($"cannot listen on inet:{port}@localhost: inet6:{port}@::1: address already in use", output, StringComparison.Ordinal);
        Assert.Contains("ss -ltnpx", output, StringComparison.Ordinal);
    }
}
