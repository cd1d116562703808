using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Milter.IntegrationTests.Daemon;

/// <summary>
/// The real dkim-milter executable (built next to the tests) running as a child process. Its stderr is
/// collected; <see cref="StopAsync"/> sends SIGTERM as systemd does and returns the exit status.
/// </summary>
internal sealed partial class DaemonProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DaemonProcess(Process process) => _process = process;

    private static readonly Lazy<string> FakeSystemd = new(() =>
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "fake-systemd");
        string link = Path.Combine(directory, "systemd");
        Directory.CreateDirectory(directory);
        try
        {
            File.CreateSymbolicLink(link, "/bin/sh");
        }
        catch (IOException) when (File.Exists(link))
        {
            // Made by an earlier run or a test running beside this one.
        }

        return link;
    });

    /// <summary>dkim-milter.dll beside the test assembly (the test project references the daemon).</summary>
    public static string DaemonPath { get; } = Path.Combine(AppContext.BaseDirectory, "dkim-milter.dll");

    /// <summary>Everything the daemon wrote so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The daemon's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts the daemon and waits for its "listening on" line.</summary>
    public static Task<DaemonProcess> StartAsync(params string[] arguments) => StartAsync(new DaemonStart(), arguments);

    /// <summary>
    /// Starts the daemon with extra environment variables and, when <see cref="DaemonStart.AsSystemdService"/>, as
    /// the child of a process named "systemd": that is how the hosting library decides it runs under systemd and
    /// talks to NOTIFY_SOCKET. The stand-in is /bin/sh started through a link called systemd; it forwards
    /// SIGTERM, SIGHUP and SIGUSR1 to the daemon and exits with its status.
    /// </summary>
    public static async Task<DaemonProcess> StartAsync(DaemonStart start, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(start);
        var startInfo = StartInfo(arguments);
        if (start.AsSystemdService)
        {
            startInfo.FileName = FakeSystemd.Value;
            startInfo.ArgumentList.Insert(0, "systemd");
            startInfo.ArgumentList.Insert(0, """
                trap 'kill -TERM $child' TERM; trap 'kill -HUP $child' HUP; trap 'kill -USR1 $child' USR1
                dotnet "$@" & child=$!
                status=0
                while kill -0 $child 2>/dev/null; do wait $child; status=$?; done
                exit $status
                """);
            startInfo.ArgumentList.Insert(0, "-c");
        }

        foreach (var (name, value) in start.Environment)
        {
            startInfo.Environment[name] = value;
        }

        var daemon = new DaemonProcess(new Process { StartInfo = startInfo, EnableRaisingEvents = true });
        daemon._process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        daemon._process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        daemon._process.Exited += (_, _) => daemon._listening.TrySetException(new InvalidOperationException("dkim-milter exited before listening"));
        daemon._process.Start();
        daemon._process.BeginOutputReadLine();
        daemon._process.BeginErrorReadLine();
        try
        {
            await daemon._listening.Task.WaitAsync(StartTimeout);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            await daemon.DisposeAsync();
            throw new InvalidOperationException($"dkim-milter did not start: {ex.Message}\n{daemon.Output}", ex);
        }

        return daemon;
    }

    /// <summary>How <see cref="StartAsync(DaemonStart, string[])"/> starts the daemon.</summary>
    public sealed record DaemonStart
    {
        public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

        public bool AsSystemdService { get; init; }
    }

    /// <summary>Runs the daemon to completion (for -n, -h and start-up failures).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var result = await Processes.ProcessRunner.RunAsync("dotnet", StartInfo(arguments).ArgumentList, TimeSpan.FromSeconds(60));
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }

    /// <summary>Sends a signal (SIGHUP = 1, SIGUSR1 = 10, SIGTERM = 15).</summary>
    public void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/> (a log line), or fails with the output so far.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"no '{text}' in the daemon's output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits for the process to end on its own and returns its exit status.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM and waits for the exit status.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(_process.Id, 15);
        }

        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot.Path,
        };
        startInfo.ArgumentList.Add(DaemonPath);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("listening on", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
