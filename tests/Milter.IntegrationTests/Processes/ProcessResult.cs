namespace Milter.IntegrationTests.Processes;

/// <summary>How an external program ended and what it printed.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Everything needed to understand a failure, for exception and assertion messages.</summary>
    public override string ToString() =>
        $"`{CommandLine}` exited with {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}
