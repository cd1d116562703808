using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Packaging;

/// <summary>
/// The systemd packaging (packaging/): packaging/test/packaging-test.sh does the work, so that it also runs by
/// hand; each part here is one of its modes. Seconds each; needs root and Debian's systemd package
/// (systemd-analyze, systemctl, systemd-tmpfiles), and leaves the running system alone (scratch roots only).
/// The end-to-end check on a freshly bootstrapped Debian (packaging/test/clean-install-test.sh, about 75 s here,
/// downloading a base system from the Debian mirror) runs here too: it is the only test of the unit under a real
/// systemd.
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

    /// <summary>
    /// A fresh Debian 12 (debootstrap) booted with systemd-nspawn: install.sh, then systemd starts the service
    /// (READY=1), it listens on 127.0.0.1 and ::1:8891 as opendkim, logs via /dev/log, signs (miltertest), reloads,
    /// is restarted after a crash and not after a configuration error; install.sh again, beside opendkim,
    /// uninstall.sh. Needs 127.0.0.1:8891 free on this machine (the container shares its network).
    /// </summary>
    [Fact]
    public async Task CleanDebianInstallRunsUnderSystemd()
    {
        string script = Path.Combine(RepositoryRoot.Path, "packaging", "test", "clean-install-test.sh");
        var result = await ProcessRunner.RunAsync("bash", [script], TimeSpan.FromMinutes(15));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"(?m)^[1-9]\d* passed, 0 failed$", result.StandardOutput);
    }

    private static async Task RunAsync(string mode)
    {
        Assert.True(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze is missing: apt-get install systemd");
        string script = Path.Combine(RepositoryRoot.Path, "packaging", "test", "packaging-test.sh");
        var result = await ProcessRunner.RunAsync("bash", [script, mode], Timeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(" 0 failed", result.StandardOutput, StringComparison.Ordinal);
    }
}
