using System.Diagnostics;
using Milter.Configuration.Options;

namespace Milter.Configuration.Tests.Options;

/// <summary>
/// Runs the real OpenDKIM (<c>opendkim -n -x FILE</c>, Debian's 2.11; tests/install-dependencies.sh installs it)
/// on one-line configurations and checks that the value checks here accept and refuse what it does, or differ
/// only where listed on purpose. Scalar options only: <c>-n</c> also opens dataset and key files, and checks
/// combinations (Domain needs KeyFile...), which are not value types.
/// </summary>
public sealed class OpenDkimCrossCheckTests : IDisposable
{
    private const string OpenDkim = "/usr/sbin/opendkim";
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("Syslog yes")]
    [InlineData("Syslog Tuesday")]
    [InlineData("Syslog 0")]
    [InlineData("Syslog maybe")]
    [InlineData("Syslog 2")]
    [InlineData("RequireSafeKeys N")]
    [InlineData("SubDomains X")]
    [InlineData("DNSTimeout 5")]
    [InlineData("DNSTimeout -5")]
    [InlineData("UMask 007")]
    [InlineData("UMask 0x1ff")]
    [InlineData("DNSTimeout 08")]
    [InlineData("DNSTimeout 0x")]
    [InlineData("DNSTimeout 0xZZ")]
    [InlineData("DNSTimeout abc")]
    [InlineData("DNSTimeout 5x")]
    [InlineData("DNSTimeout 1e3")]
    [InlineData("MinimumKeyBits 2048")]
    [InlineData("MinimumKeyBits 2k")]
    [InlineData("On-BadSignature reject")]
    [InlineData("On-DNSError T")]
    [InlineData("On-Default Quarantine")]
    [InlineData("Canonicalization relaxed")]
    [InlineData("Canonicalization relaxed/simple")]
    [InlineData("Canonicalization Relaxed/SIMPLE")]
    [InlineData("Canonicalization relaxed/bogus")]
    [InlineData("Canonicalization relaxed/")]
    [InlineData("Canonicalization /simple")]
    [InlineData("Canonicalization relaxed/simple/x")]
    [InlineData("Mode sv")]
    [InlineData("Mode v")]
    [InlineData("Mode ssv")]
    [InlineData("Mode S")]
    [InlineData("Mode sign")]
    [InlineData("Mode svx")]
    [InlineData("SignatureAlgorithm rsa-sha256")]
    [InlineData("SignatureAlgorithm ED25519-SHA256")]
    [InlineData("SignatureAlgorithm bogus")]
    [InlineData("BogusKey neutral")]
    [InlineData("UnprotectedKey NONE")]
    [InlineData("BogusKey reject")]
    [InlineData("ATPSHashAlgorithm sha1")]
    [InlineData("ATPSHashAlgorithm md5")]
    [InlineData("Minimum 50%")]
    [InlineData("Minimum 10+")]
    [InlineData("Minimum 101%")]
    [InlineData("Minimum -1")]
    [InlineData("Minimum 0x10")]
    [InlineData("Minimum 4294967296")]
    [InlineData("UserID opendkim:opendkim")]
    [InlineData("AuthservID HOSTNAME")]
    [InlineData("X-Header yes")]
    public void We_accept_and_refuse_what_OpenDKIM_does(string line)
    {
        Assert.Equal(OpenDkimAccepts(line), WeAccept(line));
    }

    /// <summary>Values OpenDKIM takes that are refused here, each for a reason.</summary>
    [Theory]
    // Silently ignored by OpenDKIM, leaving the default in force: the typo would go unnoticed.
    [InlineData("On-BadSignature rejetc")]
    [InlineData("On-Default acc")]
    // Truncated to a C int (2147483648 becomes -2147483648) or clamped (strtol's ERANGE is not checked).
    [InlineData("ClockDrift 2147483648")]
    [InlineData("DNSTimeout 99999999999999999999")]
    // Not checked by -n at all; a start-up with it fails or listens somewhere unexpected.
    [InlineData("Socket bogus")]
    [InlineData("Socket inet:99999@localhost")]
    [InlineData("AutoRestartRate bogus")]
    [InlineData("AutoRestartRate 10/0")]
    // RFC 8301: rsa-sha1 signatures must not be made.
    [InlineData("SignatureAlgorithm rsa-sha1")]
    // Read as 10% after ignoring the rest.
    [InlineData("Minimum 10%x")]
    // strtol takes a leading '+'; ConfigFile.GetInteger (shared by every reader) does not.
    [InlineData("DNSTimeout +5")]
    public void We_refuse_some_values_OpenDKIM_takes(string line)
    {
        Assert.True(OpenDkimAccepts(line), $"opendkim -n now refuses '{line}': move it to the agreeing cases");
        Assert.False(WeAccept(line));
    }

    private static bool WeAccept(string line) =>
        !OptionValidator.Validate(ConfigFileParser.Parse(line, "t.conf")).Any(finding => finding.Problem == "illegal value");

    private bool OpenDkimAccepts(string line)
    {
        Assert.True(File.Exists(OpenDkim), $"{OpenDkim} is missing: run tests/install-dependencies.sh (apt-get install opendkim)");
        string path = _directory.Write("one-line.conf", line + "\n");
        var start = new ProcessStartInfo(OpenDkim, ["-n", "-x", path]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        // 0: accepted; 78 (EX_CONFIG): refused. Anything else means the check itself failed.
        Assert.True(process.ExitCode is 0 or 78, $"opendkim -n exited {process.ExitCode}: {errors}");
        return process.ExitCode == 0;
    }
}
