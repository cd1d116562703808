using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Operations;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// The real daemon on a loopback port with the test keys (<see cref="OperationsRig"/>), plus what the fault tests
/// observe of it: its log, its status line (SIGUSR2), its open descriptors and resident memory from /proc.
/// </summary>
internal sealed partial class FaultDaemon : IDisposable
{
    public static readonly TimeSpan LogWait = TimeSpan.FromSeconds(30);

    private readonly OperationsRig _rig = new();
    private DaemonProcess? _process;

    public DaemonProcess Process => _process ?? throw new InvalidOperationException("not started");

    public EndPoint EndPoint { get; private set; } = null!;

    /// <summary>Starts the daemon with <paramref name="extraConfig"/> lines; <paramref name="verbose"/> logs each session's start and end (-v).</summary>
    public static async Task<FaultDaemon> StartAsync(string extraConfig = "", bool verbose = true)
    {
        var daemon = new FaultDaemon();
        try
        {
            var (process, port) = await daemon._rig.StartOnFreePortAsync(port => $"inet:{port}@127.0.0.1", extraConfig, verbose ? ["-v"] : []);
            daemon._process = process;
            daemon.EndPoint = OperationsRig.Loopback(port);
            return daemon;
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
    }

    /// <summary>Starts the daemon (-v) on a unix-domain socket in the rig's directory.</summary>
    public static async Task<FaultDaemon> StartOnUnixSocketAsync(string extraConfig)
    {
        var daemon = new FaultDaemon();
        try
        {
            string path = daemon._rig.Path("milter.sock");
            daemon._rig.WriteConfig($"unix:{path}", extraConfig);
            daemon._process = await daemon._rig.StartAsync("-x", daemon._rig.ConfigPath, "-f", "-v");
            daemon.EndPoint = OperationsRig.Unix(path);
            return daemon;
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
    }

    /// <summary>Signs one message on a new connection; fails unless it gets a DKIM-Signature.</summary>
    public Task<string> SignAsync(string queueId = "4XyZ1Q2w") => OperationsRig.SignAsync(EndPoint, queueId);

    /// <summary>The line logging the end of the session whose peer is <paramref name="peer"/> (-v only).</summary>
    public async Task<string> SessionEndAsync(FaultPeer peer)
    {
        string marker = $"from {peer.LogName} ended: ";
        await Process.WaitForOutputAsync(marker, LogWait);
        return Lines().Last(line => line.Contains(marker, StringComparison.Ordinal));
    }

    /// <summary>Every log line that names <paramref name="peer"/>.</summary>
    public IReadOnlyList<string> LinesAbout(FaultPeer peer)
    {
        string name = $" from {peer.LogName} ";
        return Lines().Where(line => line.Contains(name, StringComparison.Ordinal)).ToList();
    }

    public IEnumerable<string> Lines() => Process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Sends SIGUSR2 and returns the status line it produces.</summary>
    public async Task<DaemonStatus> StatusAsync()
    {
        int before = StatusLines().Count;
        Process.Signal(12);
        var deadline = DateTime.UtcNow + LogWait;
        while (StatusLines().Count <= before)
        {
            Assert.False(Process.HasExited, $"the daemon exited:\n{Process.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"no status line after SIGUSR2:\n{Process.Output}");
            await Task.Delay(50);
        }

        return DaemonStatus.Parse(StatusLines()[before]);
    }

    /// <summary>Asks for the status until no session is open (sessions end asynchronously after the peer's close).</summary>
    public async Task<DaemonStatus> WaitForNoSessionsAsync()
    {
        var deadline = DateTime.UtcNow + LogWait;
        while (true)
        {
            var status = await StatusAsync();
            if (status.Open == 0 || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Entries in /proc/PID/fd.</summary>
    public int OpenDescriptors() => Directory.GetFileSystemEntries($"/proc/{Process.Pid}/fd").Length;

    /// <summary>VmRSS from /proc/PID/status, in KiB.</summary>
    public long ResidentKiB()
    {
        string line = File.ReadLines($"/proc/{Process.Pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The daemon is still the same live process.</summary>
    public void AssertRunning() => Assert.False(Process.HasExited, $"the daemon exited:\n{Process.Output}");

    public void Dispose() => _rig.Dispose();

    private List<string> StatusLines() => Lines().Where(line => line.Contains(" status: ", StringComparison.Ordinal)).ToList();

    /// <summary>What one status line says.</summary>
    public sealed partial record DaemonStatus(int Open, int Waiting, long Accepted, long ResidentKiB, long HeapKiB, string Line)
    {
        public static DaemonStatus Parse(string line)
        {
            var match = StatusPattern().Match(line);
            Assert.True(match.Success, $"unexpected status line: {line}");
            return new DaemonStatus(Number(match, "open"), Number(match, "waiting"), Number(match, "accepted"), Number(match, "rss"), Number(match, "heap"), line);
        }

        private static int Number(Match match, string group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

        [GeneratedRegex(@"status: (?<open>\d+) session\(s\) open, (?<waiting>\d+) connection\(s\) waiting at the connection limit \([^)]*\), (?<accepted>\d+) accepted since start; (?<rss>\d+) KiB resident, (?<heap>\d+) KiB managed heap")]
        private static partial Regex StatusPattern();
    }
}
