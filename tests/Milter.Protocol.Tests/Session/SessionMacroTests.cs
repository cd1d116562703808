using Milter.Protocol.Commands;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Tests.Session;

/// <summary>Macros as handlers see them during a Postfix-like conversation (libmilter's rules).</summary>
public class SessionMacroTests
{
    private static readonly string[] Names = ["j", "{daemon_name}", "{tls_version}", "i", "{mail_addr}", "{rcpt_addr}", "x"];

    /// <summary>Runs the script and returns, per handler step, the values of <see cref="Names"/> then.</summary>
    private static async Task<List<string>> SeenAsync(params MilterCommand[] script)
    {
        var seen = new List<string>();
        var handler = new RecordingHandler
        {
            Observe = (step, ctx) => seen.Add(step + " " + string.Join(" ", Names.Select(n => $"{n.Trim('{', '}')}={ctx.Macros.Get(n) ?? "-"}"))),
        };
        await using var harness = new SessionHarness(handler);
        await harness.RunScriptAsync(script);
        Assert.Empty(harness.Logs.Warnings);
        return seen;
    }

    [Fact]
    public async Task Postfix_default_macros_are_visible_at_each_step_and_cleared_by_earlier_stages()
    {
        var seen = await SeenAsync(
            Cmd.Optneg6,
            Cmd.ConnectMacros(("j", "mx.example"), ("{daemon_name}", "smtpd"), ("v", "Postfix")), Cmd.Connect,
            Cmd.Macros(CommandCode.Helo, ("{tls_version}", "TLSv1.3")), Cmd.Helo,
            // smtpd has no queue id yet at MAIL.
            Cmd.Macros(CommandCode.Mail, ("{mail_addr}", "a@example.org")), Cmd.Mail(),
            Cmd.Macros(CommandCode.Recipient, ("i", "Q1"), ("{rcpt_addr}", "b@example.org")), Cmd.Rcpt(),
            Cmd.Macros(CommandCode.Data, ("i", "Q1")), Cmd.Data,
            Cmd.Macros(CommandCode.Header, ("i", "Q1"), ("x", "header")), Cmd.Header("Subject", "x"),
            Cmd.Macros(CommandCode.EndOfHeaders, ("i", "Q1")), Cmd.Eoh,
            Cmd.Macros(CommandCode.Body, ("i", "Q1"), ("x", "body")), Cmd.Body("x"),
            Cmd.Macros(CommandCode.EndOfMessage, ("i", "Q1")), Cmd.Eom,
            Cmd.Abort,
            // Second message: MAIL clears RCPT, DATA, EOH, EOM.
            Cmd.Macros(CommandCode.Mail, ("{mail_addr}", "c@example.org")), Cmd.Mail(),
            // A second EHLO clears MAIL and later stages.
            Cmd.Abort, Cmd.Macros(CommandCode.Helo), Cmd.Helo,
            Cmd.Mail());

        Assert.Equal(
        [
            "CONNECT j=mx.example daemon_name=smtpd tls_version=- i=- mail_addr=- rcpt_addr=- x=-",
            "HELO j=mx.example daemon_name=smtpd tls_version=TLSv1.3 i=- mail_addr=- rcpt_addr=- x=-",
            "MAIL j=mx.example daemon_name=smtpd tls_version=TLSv1.3 i=- mail_addr=a@example.org rcpt_addr=- x=-",
            "RCPT j=mx.example daemon_name=smtpd tls_version=TLSv1.3 i=Q1 mail_addr=a@example.org rcpt_addr=b@example.org x=-",
            "DATA j=mx.example daemon_name=smtpd tls_version=TLSv1.3 i=Q1 mail_addr=a@example.org rcpt_addr=b@example.org x=-",
            // Macros sent with the HEADER and BODY codes are dropped, as libmilter drops them.
            "HEADER j=mx.example daemon_name=smtpd tls_version=TLSv1.3 i=Q1 mail_addr=a@example.org rcpt_addr=b@example.org x=-",
            "EOH j=mx.example daemon_name=smtpd tls_version=TLSv1.3 i=Q1 mail_addr=a@example.org rcpt_addr=b@example.org x=-",
            "BODY j=mx.example daemon_name=smtpd tls_version=TLSv1.3 i=Q1 mail_addr=a@example.org rcpt_addr=b@example.org x=-",
            "EOM j=mx.example daemon_name=smtpd tls_version=TLSv1.3 i=Q1 mail_addr=a@example.org rcpt_addr=b@example.org x=-",
            "MAIL j=mx.example daemon_name=smtpd tls_version=TLSv1.3 i=- mail_addr=c@example.org rcpt_addr=- x=-",
            "ABORT j=mx.example daemon_name=smtpd tls_version=TLSv1.3 i=- mail_addr=c@example.org rcpt_addr=- x=-",
            "HELO j=mx.example daemon_name=smtpd tls_version=- i=- mail_addr=- rcpt_addr=- x=-",
            "MAIL j=mx.example daemon_name=smtpd tls_version=- i=- mail_addr=- rcpt_addr=- x=-",
            // EOF: the open message is aborted, then the session closed.
            "ABORT j=mx.example daemon_name=smtpd tls_version=- i=- mail_addr=- rcpt_addr=- x=-",
            "CLOSE j=mx.example daemon_name=smtpd tls_version=- i=- mail_addr=- rcpt_addr=- x=-",
        ], seen);
    }

    [Fact]
    public async Task Lookups_search_the_newest_stage_first_in_libmilter_numbering()
    {
        var seen = await SeenAsync(
            Cmd.Optneg6, Cmd.ConnectMacros(("i", "connect")), Cmd.Connect,
            Cmd.Macros(CommandCode.Mail, ("i", "mail")), Cmd.Mail(),
            Cmd.Macros(CommandCode.EndOfHeaders, ("i", "eoh")), Cmd.Eoh,
            // EOM is stage 5, EOH stage 6: at end of message "i" still comes from EOH.
            Cmd.Macros(CommandCode.EndOfMessage, ("i", "eom")), Cmd.Eom);
        // CONNECT, MAIL, EOH, EOM, CLOSE.
        Assert.Equal(["connect", "mail", "eoh", "eoh", "eoh"], seen.Select(s => s.Split(' ').Single(w => w.StartsWith("i=", StringComparison.Ordinal))[2..]));
    }

    [Fact]
    public async Task A_CONNECT_after_QUIT_NC_sees_none_of_the_previous_SMTP_session()
    {
        var seen = await SeenAsync(
            Cmd.Optneg6,
            Cmd.ConnectMacros(("j", "one"), ("{daemon_name}", "smtpd")), Cmd.Connect,
            Cmd.Macros(CommandCode.Helo, ("{tls_version}", "TLSv1.2")), Cmd.Helo,
            Cmd.Macros(CommandCode.Mail, ("{mail_addr}", "a@example.org")), Cmd.Mail(), Cmd.Abort,
            Cmd.QuitNc,
            Cmd.ConnectMacros(("j", "two")), Cmd.Connect);
        Assert.Equal("CONNECT j=two daemon_name=- tls_version=- i=- mail_addr=- rcpt_addr=- x=-", seen[^2]);
    }

    [Fact]
    public async Task A_MACRO_packet_replaces_the_stage_even_with_an_empty_list()
    {
        var seen = await SeenAsync(
            Cmd.Optneg6, Cmd.Connect,
            Cmd.Macros(CommandCode.Mail, ("{mail_addr}", "a@example.org"), ("i", "Q1")), Cmd.Mail(), Cmd.Abort,
            Cmd.Macros(CommandCode.Mail), Cmd.Mail());
        Assert.Equal("MAIL j=- daemon_name=- tls_version=- i=- mail_addr=- rcpt_addr=- x=-", seen[^3]);
    }
}
