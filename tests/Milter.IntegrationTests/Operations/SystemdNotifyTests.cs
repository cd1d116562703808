using Milter.IntegrationTests.Daemon;

namespace Milter.IntegrationTests.Operations;

/// <summary>
/// Type=notify: under systemd (SYSTEMD_EXEC_PID is the daemon's pid, NOTIFY_SOCKET a datagram socket, here the
/// test's own) the daemon says READY=1 only once it serves connections, RELOADING=1 then READY=1 around a reload,
/// and STOPPING=1 when told to stop.
/// </summary>
public sealed class SystemdNotifyTests : IDisposable
{
    private readonly OperationsRig _rig = new();
    private readonly DatagramListener _notify;

    public SystemdNotifyTests() => _notify = new DatagramListener(_rig.Path("notify"));

    public void Dispose()
    {
        _notify.Dispose();
        _rig.Dispose();
    }

    [Fact]
    public async Task Ready_reloading_and_stopping_are_reported_at_the_right_moments()
    {
        string socketPath = _rig.Path("milter.sock");
        _rig.WriteConfig($"local:{socketPath}");
        var start = new DaemonProcess.DaemonStart
        {
            AsSystemdService = true,
            Environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = _notify.Path },
        };
        var daemon = await _rig.StartAsync(start, "-x", _rig.ConfigPath, "-f");

        await _notify.WaitForAsync(state => state.Contains("READY=1", StringComparison.Ordinal), "READY=1");
        // Ready means serving.
        Assert.Equal("mail", await OperationsRig.SignAsync(OperationsRig.Unix(socketPath)));

        daemon.Signal(1);
        await daemon.WaitForOutputAsync("configuration reloaded", TimeSpan.FromSeconds(30));
        await _notify.WaitForAsync(state => state.Contains("RELOADING=1", StringComparison.Ordinal), "RELOADING=1");
        await _notify.WaitForAsync(state => state.Contains("STATUS=configuration reloaded", StringComparison.Ordinal), "the reload status");
        var states = _notify.Received.ToList();
        int reloading = states.FindIndex(state => state.Contains("RELOADING=1", StringComparison.Ordinal));
        Assert.Contains(states.Skip(reloading + 1), state => state.Contains("READY=1", StringComparison.Ordinal));

        Assert.Equal(0, await daemon.StopAsync(OperationsRig.StopTimeout));
        await _notify.WaitForAsync(state => state.Contains("STOPPING=1", StringComparison.Ordinal), "STOPPING=1");
    }

    [Fact]
    public async Task Outside_systemd_nothing_is_sent_to_a_stray_NOTIFY_SOCKET()
    {
        string socketPath = _rig.Path("milter.sock");
        _rig.WriteConfig($"local:{socketPath}");
        var daemon = await _rig.StartAsync(
            new DaemonProcess.DaemonStart { Environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = _notify.Path } },
            "-x", _rig.ConfigPath, "-f");
        Assert.Equal("mail", await OperationsRig.SignAsync(OperationsRig.Unix(socketPath)));
        Assert.Equal(0, await daemon.StopAsync(OperationsRig.StopTimeout));

        Assert.Empty(_notify.Received);
    }
}
