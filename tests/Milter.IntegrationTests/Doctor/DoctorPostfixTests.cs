using Milter.IntegrationTests.Postfix;
using static Milter.IntegrationTests.Doctor.DoctorRig;

namespace Milter.IntegrationTests.Doctor;

/// <summary>
/// <c>dkim-milter doctor</c> (the real executable) against private Postfix configurations read with the real
/// postconf, the real daemon and the loopback DNS server: a right set-up over TCP (Postfix running) and over a
/// unix socket in smtpd's chroot, then each way of getting it wrong, each with its finding and its fix line.
/// </summary>
public sealed class DoctorPostfixTests : IAsyncLifetime
{
    private DoctorRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DoctorRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_right_TCP_setup_with_Postfix_and_the_milter_running_has_nothing_to_fix()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.StartedPostfixAsync(port);

        var run = await DoctorRig.DoctorAsync(config, postfix);

        Assert.True(run.Process.ExitCode == 0, run.ToString());
        Assert.Empty(run.Problems);
        var probe = run.Single("note", "probe", $"inet:127.0.0.1:{Port(port)}");
        Assert.StartsWith($"dkim-milter answered at 127.0.0.1:{Port(port)}: OPTNEG version 6", probe.Message, StringComparison.Ordinal);
        Assert.Contains("Postfix offered version 6", probe.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_text_report_groups_findings_puts_the_fix_under_each_and_ends_with_the_counts()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1");
        var postfix = await _rig.PostfixAsync(port, mainCf: new Dictionary<string, string> { ["milter_default_action"] = "accept" });

        var result = await Tools.ToolProcess.RunAsync("doctor", "-x", config, "--postfix-config", postfix.ConfigDirectory);

        Assert.Equal(1, result.ExitCode);
        string expected = $"""
            postfix:
              warning: milter_default_action: milter_default_action = accept: when dkim-milter is down or slow, Postfix sends mail on unsigned and says so only in its log
                  fix: postconf -c {postfix.ConfigDirectory} -e 'milter_default_action = tempfail'
            probe:
              error: inet:127.0.0.1:{Port(port)}: milter not answering at inet:127.0.0.1:{Port(port)} (127.0.0.1:{Port(port)}: connection refused): Postfix lets mail through unsigned (milter_default_action = accept)
                  fix: start it: systemctl start dkim-milter (or: dkim-milter -x {config}); then check its log for why it stopped
            1 error, 1 warning

            """;
        Assert.Equal(expected, result.StandardOutput);
    }

    [Fact]
    public async Task A_right_unix_socket_setup_inside_smtpds_chroot_has_nothing_to_fix()
    {
        var postfix = await _rig.PostfixAsync(1, mainCf: new Dictionary<string, string>
        {
            ["smtpd_milters"] = "unix:/dkim/dkim.sock",
            ["non_smtpd_milters"] = "{ unix:/dkim/dkim.sock, connect_timeout=10s }",
        }, chrooted: ["smtpd", "cleanup"]);
        string socketDirectory = Directory.CreateDirectory(Path.Combine(postfix.RootDirectory, "queue", "dkim")).FullName;
        string config = _rig.Config($"local:{socketDirectory}/dkim.sock", "UserID postfix", "UMask 007");
        await _rig.DaemonAsync(config);

        var run = await DoctorRig.DoctorAsync(config, postfix);

        Assert.True(run.Process.ExitCode == 0, run.ToString());
        Assert.Empty(run.Problems);
        var probe = run.Single("note", "probe", "unix:/dkim/dkim.sock");
        Assert.StartsWith($"dkim-milter answered at {socketDirectory}/dkim.sock: OPTNEG version 6", probe.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_milter_entry_at_our_port_is_an_error_with_the_smtpd_milters_line()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.PostfixAsync(port + 1);

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("error", "socket", "smtpd_milters");
        Assert.Equal($"no entry of smtpd_milters = inet:127.0.0.1:{Port(port + 1)} points at dkim-milter's Socket inet:{Port(port)}@127.0.0.1", finding.Message);
        Assert.Equal($"postconf -c {postfix.ConfigDirectory} -e 'smtpd_milters = inet:127.0.0.1:{Port(port + 1)}, inet:127.0.0.1:{Port(port)}'", finding.Fix);
    }

    [Fact]
    public async Task An_address_Postfix_does_not_reach_us_at_is_an_error_naming_both_sides()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.PostfixAsync(port, mainCf: new Dictionary<string, string>
        {
            ["smtpd_milters"] = $"inet:127.0.0.2:{Port(port)}",
            ["non_smtpd_milters"] = $"inet:127.0.0.1:{Port(port)}",
        });

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("error", "socket", "smtpd_milters");
        Assert.Equal($"inet:127.0.0.2:{Port(port)} does not reach dkim-milter: Postfix connects to 127.0.0.2:{Port(port)} (inet_protocols = ipv4); dkim-milter listens on 127.0.0.1:{Port(port)}", finding.Message);
        Assert.Equal($"postconf -c {postfix.ConfigDirectory} -e 'smtpd_milters = inet:127.0.0.1:{Port(port)}'\nor write in {config}: Socket inet:{Port(port)}@127.0.0.2", finding.Fix);
    }

    [Fact]
    public async Task Localhost_resolving_for_Postfix_to_the_other_family_than_we_listen_on_is_an_error()
    {
        // Postfix with inet_protocols = ipv4 resolves localhost to 127.0.0.1 only; the milter listens on ::1 only.
        int port = FreePort.Pick();
        string config = _rig.Config($"inet6:{Port(port)}@::1");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.PostfixAsync(port, mainCf: new Dictionary<string, string>
        {
            ["smtpd_milters"] = $"inet:localhost:{Port(port)}",
            ["non_smtpd_milters"] = "$smtpd_milters",
        });

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("error", "socket", "smtpd_milters");
        Assert.StartsWith($"inet:localhost:{Port(port)} does not reach dkim-milter: Postfix connects to 127.0.0.1:{Port(port)} (localhost resolves to 127.0.0.1", finding.Message, StringComparison.Ordinal);
        Assert.EndsWith($"with inet_protocols = ipv4); dkim-milter listens on [::1]:{Port(port)}", finding.Message, StringComparison.Ordinal);
        Assert.Equal($"postconf -c {postfix.ConfigDirectory} -e 'smtpd_milters = inet:[::1]:{Port(port)}'\nor write in {config}: Socket inet:{Port(port)}@127.0.0.1", finding.Fix);
        // non_smtpd_milters = $smtpd_milters is expanded, as Postfix reads it: the same finding for it.
        Assert.Equal("error", run.Single("error", "socket", "non_smtpd_milters").Severity);
    }

    [Fact]
    public async Task A_unix_socket_outside_the_chroot_is_not_visible_and_both_lines_that_work_are_given()
    {
        string socketDirectory = Directory.CreateDirectory(Path.Combine(_rig.Directory, "opendkim")).FullName;
        string socket = Path.Combine(socketDirectory, "opendkim.sock");
        var postfix = await _rig.PostfixAsync(1, mainCf: new Dictionary<string, string>
        {
            ["smtpd_milters"] = $"unix:{socket}",
            ["non_smtpd_milters"] = $"unix:{socket}",
        }, chrooted: ["smtpd"]);
        string config = _rig.Config($"local:{socket}", "UMask 007");
        await _rig.DaemonAsync(config);
        string queue = Path.Combine(postfix.RootDirectory, "queue");

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("error", "socket", "smtpd_milters");
        Assert.StartsWith($"unix:{socket} is not visible to Postfix: smtpd runs chrooted in {queue} (master.cf: {postfix.SmtpPort}/inet, chroot column y), so it looks for {socket} at {queue}{socket}", finding.Message, StringComparison.Ordinal);
        Assert.StartsWith($"write in {config}: Socket local:{queue}/opendkim/opendkim.sock\nand postconf -c {postfix.ConfigDirectory} -e 'smtpd_milters = unix:/opendkim/opendkim.sock'\n", finding.Fix, StringComparison.Ordinal);
        // cleanup is not chrooted here: non_smtpd_milters reaches the socket.
        Assert.DoesNotContain(run.Findings, f => f.Subject == "non_smtpd_milters");
    }

    [Fact]
    public async Task A_socket_mail_owner_cannot_write_is_an_error_with_UMask_and_usermod()
    {
        string socketDirectory = Directory.CreateDirectory(Path.Combine(_rig.Directory, "run")).FullName;
        string socket = Path.Combine(socketDirectory, "dkim.sock");
        var postfix = await _rig.PostfixAsync(1, mainCf: new Dictionary<string, string>
        {
            ["smtpd_milters"] = $"unix:{socket}",
            ["non_smtpd_milters"] = $"unix:{socket}",
        });
        // The daemon runs as root: with UMask 077 the socket is root's alone.
        string config = _rig.Config($"local:{socket}", "UMask 077");
        await _rig.DaemonAsync(config);

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("error", "socket", socket);
        Assert.Equal("mail_owner postfix (uid " + Uid("postfix") + ") cannot write the socket (mode 0700, group root, which postfix is not in): Postfix gets 'Permission denied'", finding.Message);
        Assert.Equal($"write in {config}: UMask 002 (the socket is then made group-writable), and restart dkim-milter\nusermod -aG root postfix, and restart Postfix\n"
            + $"or: chmod g+w {socket} and chgrp to a group of postfix (lasts until dkim-milter re-creates the socket)", finding.Fix);
    }

    [Fact]
    public async Task A_directory_mail_owner_cannot_pass_is_an_error_naming_it()
    {
        string socketDirectory = Directory.CreateDirectory(Path.Combine(_rig.Directory, "closed")).FullName;
        File.SetUnixFileMode(socketDirectory, (UnixFileMode)0b111_000_000);
        string socket = Path.Combine(socketDirectory, "dkim.sock");
        var postfix = await _rig.PostfixAsync(1, mainCf: new Dictionary<string, string>
        {
            ["smtpd_milters"] = $"unix:{socket}",
            ["non_smtpd_milters"] = $"unix:{socket}",
        });
        string config = _rig.Config($"local:{socket}", "UMask 002");
        await _rig.DaemonAsync(config);

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("error", "socket", socketDirectory);
        Assert.Equal($"mail_owner postfix cannot pass through directory {socketDirectory} (mode 0700, group root) to reach the socket {socket}: Postfix gets 'Permission denied'", finding.Message);
        Assert.StartsWith($"chmod o+x {socketDirectory}", finding.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_non_smtpd_milters_while_signing_is_an_error_mail_from_sendmail_goes_out_unsigned()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.PostfixAsync(port, mainCf: new Dictionary<string, string> { ["non_smtpd_milters"] = "" });

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("error", "postfix", "non_smtpd_milters");
        Assert.Equal("non_smtpd_milters is empty while smtpd_milters has dkim-milter: mail from sendmail(1)/mail goes out unsigned", finding.Message);
        Assert.Equal($"postconf -c {postfix.ConfigDirectory} -e 'non_smtpd_milters = $smtpd_milters'", finding.Fix);
        Assert.Single(run.Problems);
    }

    [Fact]
    public async Task Milter_protocol_2_with_simple_header_canonicalization_is_a_warning_with_both_fixes()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1", "Canonicalization simple/relaxed");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.PostfixAsync(port, milterProtocol: 2);

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("warning", "postfix", "milter_protocol");
        Assert.StartsWith("milter_protocol = 2 while " + config + " signs with simple header canonicalization (Canonicalization simple/relaxed)", finding.Message, StringComparison.Ordinal);
        Assert.Equal($"postconf -c {postfix.ConfigDirectory} -e 'milter_protocol = 6'\nor write in {config}: Canonicalization relaxed/simple", finding.Fix);
        Assert.Single(run.Problems);
        Assert.Contains("Postfix offered version 2", run.Single("note", "probe", $"inet:127.0.0.1:{Port(port)}").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Milter_protocol_2_with_relaxed_header_canonicalization_is_fine()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1", "Canonicalization relaxed/simple");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.PostfixAsync(port, milterProtocol: 2);

        var run = await DoctorRig.DoctorAsync(config, postfix);

        Assert.True(run.Process.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task Milter_default_action_accept_is_a_warning_fixed_by_tempfail()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.PostfixAsync(port, mainCf: new Dictionary<string, string> { ["milter_default_action"] = "accept" });

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("warning", "postfix", "milter_default_action");
        Assert.Equal($"postconf -c {postfix.ConfigDirectory} -e 'milter_default_action = tempfail'", finding.Fix);
        Assert.Single(run.Problems);
    }

    [Fact]
    public async Task A_milter_that_is_not_running_is_an_error_with_the_hint_to_start_it()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1");
        var postfix = await _rig.PostfixAsync(port);

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("error", "probe", $"inet:127.0.0.1:{Port(port)}");
        Assert.Equal($"milter not answering at inet:127.0.0.1:{Port(port)} (127.0.0.1:{Port(port)}: connection refused): Postfix defers every message with a temporary error (milter_default_action = tempfail)", finding.Message);
        Assert.StartsWith($"start it: systemctl start dkim-milter (or: dkim-milter -x {config})", finding.Fix, StringComparison.Ordinal);
        Assert.Single(run.Problems);
    }

    [Fact]
    public async Task Without_postconf_the_Postfix_side_is_an_error_finding_not_a_crash()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1");
        var postfix = await _rig.PostfixAsync(port);
        _rig.Dns.SetNxDomain($"_dmarc.{Domain}");

        var run = await DoctorRig.DoctorAsync(config, postfix, new Dictionary<string, string> { ["DKIM_MILTER_POSTCONF"] = "/nonexistent/postconf" });

        var finding = run.Single("error", "postfix", "postconf");
        Assert.StartsWith("postconf was not found", finding.Message, StringComparison.Ordinal);
        Assert.Equal("install Postfix (apt-get install postfix), or put postconf on PATH", finding.Fix);
        // The rest still ran: DNS was checked (and nothing about the socket, which needs Postfix's side).
        Assert.Equal("warning", run.Single("warning", "dns", $"_dmarc.{Domain}").Severity);
        Assert.Equal(2, run.Problems.Count());
    }

    [Fact]
    public async Task A_Postfix_milter_written_in_libmilters_order_is_an_error_with_Postfixs_order()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.PostfixAsync(port, mainCf: new Dictionary<string, string> { ["smtpd_milters"] = $"inet:{Port(port)}@127.0.0.1" });

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var parse = run.Findings.Single(f => f.Severity == "error" && f.Area == "postfix" && f.Subject == "smtpd_milters");
        Assert.Equal($"smtpd_milters = inet:{Port(port)}@127.0.0.1: 'inet:{Port(port)}@127.0.0.1' is in libmilter's order (inet:PORT@HOST); Postfix writes inet:127.0.0.1:{Port(port)}", parse.Message);
    }

    [Fact]
    public async Task A_submission_service_whose_own_smtpd_milters_misses_us_is_an_error_with_the_postconf_P_line()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.PostfixAsync(port, mainCf: new Dictionary<string, string> { ["mua_milters"] = $"inet:127.0.0.1:{Port(port + 1)}" });
        // As Debian's commented-out example has it, with the override naming a main.cf parameter.
        File.AppendAllText(Path.Combine(postfix.ConfigDirectory, "master.cf"), "\nsubmission inet n - n - - smtpd\n  -o syslog_name=postfix/submission\n  -o smtpd_milters=$mua_milters\n");

        var run = await DoctorRig.DoctorAsync(config, postfix);

        var finding = run.Single("error", "postfix", "submission/inet (master.cf)");
        Assert.Equal($"master.cf's submission/inet overrides smtpd_milters with 'inet:127.0.0.1:{Port(port + 1)}': mail received by it does not reach dkim-milter and goes out unsigned", finding.Message);
        Assert.Equal($"postconf -c {postfix.ConfigDirectory} -P 'submission/inet/smtpd_milters=inet:127.0.0.1:{Port(port + 1)},inet:127.0.0.1:{Port(port)}'", finding.Fix);
        Assert.Single(run.Problems);
    }

    [Fact]
    public async Task A_verify_only_milter_needs_no_non_smtpd_milters()
    {
        int port = FreePort.Pick();
        string config = _rig.Config($"inet:{Port(port)}@127.0.0.1", "Mode v");
        await _rig.DaemonAsync(config);
        var postfix = await _rig.PostfixAsync(port, mainCf: new Dictionary<string, string> { ["non_smtpd_milters"] = "" });

        var run = await DoctorRig.DoctorAsync(config, postfix);

        Assert.True(run.Process.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task Settings_of_an_entry_that_misses_us_are_still_checked_once_its_address_is_fixed()
    {
        // Debian's chroot and an old how-to's settings: the socket outside the jail, protocol 2, accept, no non_smtpd_milters.
        string socket = Path.Combine(Directory.CreateDirectory(Path.Combine(_rig.Directory, "opendkim")).FullName, "opendkim.sock");
        var postfix = await _rig.PostfixAsync(1, milterProtocol: 2, mainCf: new Dictionary<string, string>
        {
            ["smtpd_milters"] = $"unix:{socket}",
            ["non_smtpd_milters"] = "",
            ["milter_default_action"] = "accept",
        }, chrooted: ["smtpd", "cleanup"]);
        string config = _rig.Config($"local:{socket}");

        var run = await DoctorRig.DoctorAsync(config, postfix);

        Assert.Equal(["non_smtpd_milters", "milter_protocol", "milter_default_action", "smtpd_milters"],
            run.Problems.Where(f => f.Area is "postfix" or "socket").Select(f => f.Subject));
        Assert.DoesNotContain(run.Findings, f => f.Area == "probe");
    }

    [Fact]
    public async Task Help_prints_the_usage_and_exits_0()
    {
        var result = await Tools.ToolProcess.RunAsync("doctor", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("usage: dkim-milter doctor [-x configfile] [--postfix-config DIR] [--json]", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_command_line_exits_64()
    {
        var result = await Tools.ToolProcess.RunAsync("doctor", "--bogus");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("unknown option --bogus", result.StandardError, StringComparison.Ordinal);
    }

    private static string Uid(string user) =>
        File.ReadLines("/etc/passwd").Select(line => line.Split(':')).First(fields => fields[0] == user)[2];
}
