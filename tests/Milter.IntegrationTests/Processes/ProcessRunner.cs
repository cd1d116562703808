using System.Diagnostics;

namespace Milter.IntegrationTests.Processes;

/// <summary>Runs an external program to completion with a bounded wait.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }
        var commandLine = string.Join(' ', [fileName, .. startInfo.ArgumentList]);

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start `{commandLine}`");
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        // Read both pipes while the program runs: a full pipe buffer would otherwise block it.
        var stdout = process.StandardOutput.ReadToEndAsync(timeoutSource.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeoutSource.Token);
        try
        {
            if (standardInput is not null)
            {
                await process.StandardInput.WriteAsync(standardInput.AsMemory(), timeoutSource.Token);
            }
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeoutSource.Token);
            return new ProcessResult(commandLine, process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new TimeoutException($"`{commandLine}` did not finish within {timeout.TotalSeconds:0} s and was killed");
        }
    }
}
