using System.Text;

namespace Milter.IntegrationTests.Postfix;

/// <summary>The private Postfix itself works: delivery over SMTP and sendmail, side by side, and milter wiring.</summary>
public sealed class PostfixInstanceTests
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(10);

    private static readonly Dictionary<string, string> NoMilters = new()
    {
        ["smtpd_milters"] = "",
        ["non_smtpd_milters"] = "",
    };

    private static string Message(string subject, string body) =>
        $"From: sender@sender.example\r\nTo: rcpt@receiver.example\r\nSubject: {subject}\r\n\r\n{body}\r\n";

    [Fact]
    public async Task Delivers_several_messages_sent_in_one_smtp_session()
    {
        await using var postfix = await PostfixInstance.StartAsync(FreePort.Pick(), 2, NoMilters);

        var queueIds = await postfix.SendSmtpAsync(
            "sender@sender.example",
            ["rcpt@receiver.example"],
            [Message("first", "one"), Message("second", ".leading dot\n..two dots\n.")]);

        Assert.Equal(2, queueIds.Count);
        var delivered = (await postfix.WaitForDeliveredAsync(2, DeliveryTimeout)).Select(Encoding.UTF8.GetString).ToList();
        Assert.Contains("Subject: first", delivered[0], StringComparison.Ordinal);
        Assert.Contains("Subject: second", delivered[1], StringComparison.Ordinal);
        Assert.EndsWith("\n.leading dot\n..two dots\n.\n", delivered[1], StringComparison.Ordinal);
        Assert.Contains(queueIds[0], postfix.ReadMailLog(), StringComparison.Ordinal);
        Assert.Empty(postfix.ReadMailLogProblems());
    }

    [Fact]
    public async Task Delivers_a_message_submitted_with_sendmail()
    {
        await using var postfix = await PostfixInstance.StartAsync(FreePort.Pick(), 6, NoMilters);

        await postfix.SubmitWithSendmailAsync("sender@sender.example", Message("local", "body\n.\nafter a lone dot"));

        var delivered = Encoding.UTF8.GetString((await postfix.WaitForDeliveredAsync(1, DeliveryTimeout))[0]);
        Assert.Contains("Subject: local", delivered, StringComparison.Ordinal);
        Assert.Contains("\n.\nafter a lone dot\n", delivered, StringComparison.Ordinal);
        Assert.Empty(postfix.ReadMailLogProblems());
    }

    [Fact]
    public async Task Xclient_makes_the_session_come_from_outside()
    {
        await using var postfix = await PostfixInstance.StartAsync(FreePort.Pick(), 2, NoMilters);

        await postfix.SendSmtpAsync(
            "sender@sender.example", ["rcpt@receiver.example"], [Message("outside", "x")], xclient: "ADDR=192.0.2.44 NAME=mx.outside.example");

        var delivered = Encoding.UTF8.GetString((await postfix.WaitForDeliveredAsync(1, DeliveryTimeout))[0]);
        Assert.Contains("(mx.outside.example [192.0.2.44])", delivered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_instances_run_side_by_side()
    {
        await using var first = await PostfixInstance.StartAsync(FreePort.Pick(), 2, NoMilters);
        await using var second = await PostfixInstance.StartAsync(FreePort.Pick(), 6, NoMilters);

        Assert.NotEqual(first.SmtpPort, second.SmtpPort);
        await Task.WhenAll(
            first.SendSmtpAsync("a@sender.example", ["x@receiver.example"], [Message("to first", "1")]),
            second.SendSmtpAsync("b@sender.example", ["y@receiver.example"], [Message("to second", "2")]));

        var toFirst = Encoding.UTF8.GetString(Assert.Single(await first.WaitForDeliveredAsync(1, DeliveryTimeout)));
        var toSecond = Encoding.UTF8.GetString(Assert.Single(await second.WaitForDeliveredAsync(1, DeliveryTimeout)));
        Assert.Contains("Subject: to first", toFirst, StringComparison.Ordinal);
        Assert.Contains("Subject: to second", toSecond, StringComparison.Ordinal);
        Assert.Empty(first.ReadMailLogProblems());
        Assert.Empty(second.ReadMailLogProblems());
    }

    [Fact]
    public async Task Unreachable_milter_tempfails_smtp_mail_and_logs_a_warning()
    {
        // Nothing listens on the milter port, so milter_default_action = tempfail applies.
        var milterPort = FreePort.Pick();
        await using var postfix = await PostfixInstance.StartAsync(milterPort, 6);

        var error = await Assert.ThrowsAsync<SmtpReplyException>(
            () => postfix.SendSmtpAsync("sender@sender.example", ["rcpt@receiver.example"], [Message("never", "x")]));

        Assert.Equal(451, error.Code);
        var warning = await postfix.WaitForMailLogLineAsync($"warning: connect to Milter service inet:127.0.0.1:{milterPort}", LogTimeout);
        Assert.Contains(warning, postfix.ReadMailLogProblems());
    }
}
