using System.Globalization;
using System.Text.RegularExpressions;
using Milter.Daemon.Logging;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Handler;

namespace Milter.IntegrationTests.Operations;

/// <summary>
/// With Syslog on, the daemon's lines reach the syslog socket as RFC 3164 datagrams (facility, ident, pid),
/// with OpenDKIM's wording, queue id first; and nothing secret or private goes there: no key material, no
/// message content.
/// </summary>
public sealed partial class SyslogTests : IDisposable
{
    private readonly OperationsRig _rig = new();
    private readonly DatagramListener _syslog;

    public SyslogTests() => _syslog = new DatagramListener(_rig.Path("log"));

    public void Dispose()
    {
        _syslog.Dispose();
        _rig.Dispose();
    }

    private DaemonProcess.DaemonStart ToTestSyslog => new()
    {
        Environment = new Dictionary<string, string> { [DaemonLogging.SyslogSocketVariable] = _syslog.Path },
    };

    [Fact]
    public async Task Lines_are_rfc3164_datagrams_of_facility_mail_with_the_program_name_and_pid()
    {
        string socketPath = _rig.Path("milter.sock");
        _rig.WriteConfig($"local:{socketPath}", "Syslog yes\nSyslogSuccess yes\nLogWhy yes\n");
        var daemon = await _rig.StartAsync(ToTestSyslog, "-x", _rig.ConfigPath, "-f");
        Assert.Equal("mail", await OperationsRig.SignAsync(OperationsRig.Unix(socketPath), "4ABC123DEF"));

        string signed = await _syslog.WaitForAsync(line => line.Contains("DKIM-Signature field added", StringComparison.Ordinal), "the signing line");
        var match = Rfc3164().Match(signed);
        Assert.True(match.Success, signed);
        Assert.Equal("22", match.Groups["pri"].Value); // mail (2) * 8 + info (6)
        Assert.Equal("dkim-milter", match.Groups["ident"].Value);
        Assert.Equal(daemon.Pid.ToString(CultureInfo.InvariantCulture), match.Groups["pid"].Value);
        Assert.Equal("4ABC123DEF: DKIM-Signature field added (s=mail, d=example.com)", match.Groups["message"].Value);
        Assert.All(_syslog.Received, line => Assert.Matches(Rfc3164(), line));
        Assert.Contains(_syslog.Received, line => line.EndsWith($"listening on unix:{socketPath}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_l_flag_turns_syslog_on_and_without_f_nothing_goes_to_stderr()
    {
        string socketPath = _rig.Path("milter.sock");
        _rig.WriteConfig($"local:{socketPath}");
        var startInfo = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { [DaemonLogging.SyslogSocketVariable] = _syslog.Path },
        };
        foreach (string argument in new[] { DaemonProcess.DaemonPath, "-x", _rig.ConfigPath, "-l" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var daemon = System.Diagnostics.Process.Start(startInfo)!;
        try
        {
            var stderr = daemon.StandardError.ReadToEndAsync();
            var stdout = daemon.StandardOutput.ReadToEndAsync();
            await _syslog.WaitForAsync(line => line.Contains($"listening on unix:{socketPath}", StringComparison.Ordinal), "the listening line");
            Assert.Equal("mail", await OperationsRig.SignAsync(OperationsRig.Unix(socketPath)));
            await Processes.ProcessRunner.RunAsync("kill", ["-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            using var exitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await daemon.WaitForExitAsync(exitTimeout.Token);

            Assert.Equal(0, daemon.ExitCode);
            // Under systemd stderr goes to the journal too: without -f, syslog alone has the lines.
            Assert.Equal("", await stderr + await stdout);
            Assert.Contains(_syslog.Received, line => line.Contains("stopped listening", StringComparison.Ordinal));
        }
        finally
        {
            if (!daemon.HasExited)
            {
                daemon.Kill();
            }
        }
    }

    [Fact]
    public async Task SyslogFacility_and_SyslogName_set_the_priority_and_ident_and_warnings_keep_their_level()
    {
        string socketPath = _rig.Path("milter.sock");
        // UMask 077: a socket the MTA cannot use, which is worth a warning.
        _rig.WriteConfig($"local:{socketPath}", "Syslog yes\nSyslogFacility local3\nSyslogName opendkim\nUMask 077\n");
        await _rig.StartAsync(ToTestSyslog, "-x", _rig.ConfigPath, "-f");

        string warning = await _syslog.WaitForAsync(line => line.Contains("Permission denied", StringComparison.Ordinal), "the socket mode warning");
        var match = Rfc3164().Match(warning);
        Assert.Equal("156", match.Groups["pri"].Value); // local3 (19) * 8 + warning (4)
        Assert.Equal("opendkim", match.Groups["ident"].Value);
    }

    [Fact]
    public async Task Without_SyslogSuccess_a_signature_is_not_logged_but_LogWhy_and_errors_are()
    {
        string socketPath = _rig.Path("milter.sock");
        _rig.WriteConfig($"local:{socketPath}", "Syslog yes\nLogWhy yes\n");
        await _rig.StartAsync(ToTestSyslog, "-x", _rig.ConfigPath, "-f");

        // The daemon writes a message's lines before it answers end of message, so once the reply is in, they are too.
        await OperationsRig.SignAsync(OperationsRig.Unix(socketPath), "5QUEUE0001");
        await _syslog.WaitForAsync(line => line.Contains("5QUEUE0001:", StringComparison.Ordinal), "the LogWhy line");

        Assert.DoesNotContain(_syslog.Received, line => line.Contains("DKIM-Signature field added", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_up_errors_go_to_syslog_too_so_mail_log_says_why_the_milter_is_not_running()
    {
        File.WriteAllText(_rig.Path("SigningTable"), "*@example.com typo._domainkey.example.com\n");
        _rig.WriteConfig("inet:8891@127.0.0.1", "Syslog yes\n");

        var result = await Processes.ProcessRunner.RunAsync("dotnet", [DaemonProcess.DaemonPath, "-x", _rig.ConfigPath], TimeSpan.FromSeconds(60),
            environment: new Dictionary<string, string> { [DaemonLogging.SyslogSocketVariable] = _syslog.Path });

        Assert.Equal(78, result.ExitCode);
        string error = await _syslog.WaitForAsync(line => line.Contains("typo._domainkey.example.com", StringComparison.Ordinal), "the SigningTable error");
        Assert.Equal("19", Rfc3164().Match(error).Groups["pri"].Value); // mail.err
        Assert.Contains(_rig.Path("SigningTable"), error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_key_material_or_message_content_is_ever_logged_even_in_debug()
    {
        string socketPath = _rig.Path("milter.sock");
        _rig.WriteConfig($"local:{socketPath}", "Syslog yes\nSyslogSuccess yes\nLogWhy yes\nLogResults yes\n");
        var daemon = await _rig.StartAsync(ToTestSyslog, "-x", _rig.ConfigPath, "-f", "-v");
        await OperationsRig.SignAsync(OperationsRig.Unix(socketPath), "6SECRETQ01");
        _rig.UseSelector("ed");
        daemon.Signal(1);
        await daemon.WaitForOutputAsync("configuration reloaded", TimeSpan.FromSeconds(30));
        await OperationsRig.SignAsync(OperationsRig.Unix(socketPath), "6SECRETQ02");
        await _syslog.WaitForAsync(line => line.Contains("6SECRETQ02: DKIM-Signature field added", StringComparison.Ordinal), "the second signature");

        string everything = string.Join("\n", _syslog.Received) + "\n" + daemon.Output;
        foreach (string keyFile in new[] { TestKeys.RsaFile, TestKeys.Ed25519File })
        {
            var keyLines = File.ReadAllLines(_rig.Path(keyFile)).Where(line => !line.StartsWith("-----", StringComparison.Ordinal));
            Assert.All(keyLines, line => Assert.DoesNotContain(line[..Math.Min(24, line.Length)], everything, StringComparison.Ordinal));
        }

        Assert.DoesNotContain("PRIVATE KEY", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("body of 6SECRETQ", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("Alice <alice", everything, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^<(?<pri>\d{1,3})>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3]\d \d\d:\d\d:\d\d (?<ident>[^\[\]: ]+)\[(?<pid>\d+)\]: (?<message>[^\r\n]*)$")]
    private static partial Regex Rfc3164();
}
