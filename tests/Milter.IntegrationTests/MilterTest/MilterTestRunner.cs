using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.MilterTest;

/// <summary>
/// Runs a miltertest(8) Lua script, which plays the MTA side against a milter. The script fails by
/// calling error(): miltertest then exits non-zero, and the message is on stderr.
/// </summary>
public static class MilterTestRunner
{
    private const string MilterTestCommand = "/usr/bin/miltertest";
    private const string ScriptDefine = "miltertest_runner_script";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// miltertest (Debian 2.11.0~beta2) exits 1 on a Lua error, even a syntax error, without printing
    /// the message anywhere. So it runs this wrapper from stdin, which runs the real script and
    /// prints the error before passing it on. Defines are globals, visible to the real script too.
    /// </summary>
    private const string Wrapper = $$"""
        local ok, err = pcall(dofile, {{ScriptDefine}})
        if not ok then
            io.stderr:write("miltertest script failed: " .. tostring(err) .. "\n")
            error(err, 0)
        end
        """;

    /// <param name="scriptPath">The Lua script.</param>
    /// <param name="defines">Lua globals (strings), passed as <c>-D name=value</c>, e.g. the milter's port.</param>
    /// <param name="timeout">Kill miltertest after this long; default 60 s.</param>
    public static Task<ProcessResult> RunAsync(
        string scriptPath,
        IReadOnlyDictionary<string, string>? defines = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var arguments = new List<string> { "-D", $"{ScriptDefine}={Path.GetFullPath(scriptPath)}" };
        foreach (var (name, value) in defines ?? new Dictionary<string, string>())
        {
            arguments.Add("-D");
            arguments.Add($"{name}={value}");
        }
        return ProcessRunner.RunAsync(MilterTestCommand, arguments, timeout ?? DefaultTimeout, Wrapper, cancellationToken: cancellationToken);
    }
}
