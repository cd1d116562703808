using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Tools;

/// <summary>
/// Runs the real dkim-milter executable (dkim-milter.dll beside the tests, as <see cref="DaemonProcess"/> finds it)
/// with a tool's arguments, to completion, keeping stdout and stderr apart.
/// </summary>
internal static class ToolProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary><c>dkim-milter ARGS...</c>.</summary>
    public static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [DaemonProcess.DaemonPath, .. arguments], Timeout);

    /// <summary><c>dkim-milter ARGS...</c> under <c>umask <paramref name="umask"/></c>, through /bin/sh.</summary>
    public static Task<ProcessResult> RunWithUmaskAsync(string umask, params string[] arguments) =>
        ProcessRunner.RunAsync("/bin/sh", ["-c", $"umask {umask} && exec dotnet \"$@\"", "sh", DaemonProcess.DaemonPath, .. arguments], Timeout);

    /// <summary>Runs another program (openssl, opendkim-genkey, opendkim-testkey, python3).</summary>
    public static Task<ProcessResult> RunProgramAsync(string program, params string[] arguments) =>
        ProcessRunner.RunAsync(program, arguments, Timeout);
}
