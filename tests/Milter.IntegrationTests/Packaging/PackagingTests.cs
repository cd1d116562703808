using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Packaging;

/// <summary>
/// The systemd packaging (packaging/): packaging/test/packaging-test.sh does the work, so that it also runs by
/// hand; each part here is one of its modes. Seconds each; needs root and Debian's systemd package
/// (systemd-analyze, systemctl, systemd-tmpfiles), and leaves the running system alone (scratch roots only).
/// The slow end-to-end check on a freshly bootstrapped Debian is packaging/test/clean-install-test.sh (not run here).
/// </summary>
public sealed class PackagingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>systemd-analyze verify prints nothing about dkim-milter.service; its exposure level stays at or below 3.0.</summary>
    [Fact]
    public async Task UnitVerifiesWithoutWarnings() => await RunAsync("verify");

    /// <summary>install.sh --root: the tree, owners and modes; idempotent; configuration kept; upgrade; opendkim.service; uninstall.</summary>
    [Fact]
    public async Task InstallScriptIntoScratchRoots() => await RunAsync("install");

    private static async Task RunAsync(string mode)
    {
        Assert.True(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze is missing: apt-get install systemd");
        string script = Path.Combine(RepositoryRoot.Path, "packaging", "test", "packaging-test.sh");
        var result = await ProcessRunner.RunAsync("bash", [script, mode], Timeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(" 0 failed", result.StandardOutput, StringComparison.Ordinal);
    }
}
