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

    /// <summary>Starts the daemon and waits for its "listening on" line.</summary>
    public static async Task<DaemonProcess> StartAsync(params string[] arguments)
    {
        var daemon = new DaemonProcess(new Process { StartInfo = StartInfo(arguments), EnableRaisingEvents = true });
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

    /// <summary>Runs the daemon to completion (for -n, -h and start-up failures).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var result = await Processes.ProcessRunner.RunAsync("dotnet", StartInfo(arguments).ArgumentList, TimeSpan.FromSeconds(60));
        return (result.ExitCode, result.StandardOutput + result.StandardError);
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
