using Milter.IntegrationTests.Postfix;

namespace Milter.IntegrationTests.Milter;

/// <summary>
/// A real Postfix 3.7 (a private instance) calls our milter engine at milter_protocol 2 (the seed's setting)
/// and 6 (Postfix's default), for SMTP mail (smtpd_milters) and local submission (non_smtpd_milters).
/// </summary>
public sealed class PostfixMilterTests
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    private static string Message(int number) =>
        "From: Sender <sender@sender.example>\r\n" +
        "To: anyone@receiver.example\r\n" +
        $"Subject: folded subject {number}\r\n\tsecond line\r\n" +
        "X-Empty:\r\n" +
        "X-Eight-Bit: caf\u00e9 \u00fcber\r\n" +
        "\r\n" +
        $"Body of message {number}.\r\n";

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task Smtp_mail_is_delivered_with_both_headers_in_place_and_byte_exact(int milterProtocol)
    {
        await using var milter = new InProcessMilter();
        await using var postfix = await PostfixInstance.StartAsync(milter.Port, milterProtocol);

        var queueIds = await postfix.SendSmtpAsync("sender@sender.example", ["anyone@receiver.example"], [Message(1)]);

        var delivered = new DeliveredMessage((await postfix.WaitForDeliveredAsync(1, DeliveryTimeout)).Single());
        AssertStamped(delivered);
        var seen = Assert.Single(milter.Seen);
        Assert.Equal(queueIds[0], seen.QueueId);
        Assert.Equal(" folded subject 1\r\n\tsecond line", seen.HeaderValue("Subject"));
        Assert.Equal("", seen.HeaderValue("X-Empty"));
        Assert.Equal(" caf\u00e9 \u00fcber", seen.HeaderValue("X-Eight-Bit"));
        Assert.Equal((uint)milterProtocol, seen.Negotiated.Version);
        Assert.Empty(postfix.ReadMailLogProblems());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task Mail_from_sendmail_passes_the_milter_too(int milterProtocol)
    {
        await using var milter = new InProcessMilter();
        await using var postfix = await PostfixInstance.StartAsync(milter.Port, milterProtocol);

        await postfix.SubmitWithSendmailAsync("root@sender.example", Message(1).Replace("\r\n", "\n", StringComparison.Ordinal));

        var delivered = new DeliveredMessage((await postfix.WaitForDeliveredAsync(1, DeliveryTimeout)).Single());
        AssertStamped(delivered);
        var seen = Assert.Single(milter.Seen);
        // Local submission: the sender arrives without angle brackets.
        Assert.Equal("root@sender.example", seen.Sender);
        Assert.Equal(" folded subject 1\r\n\tsecond line", seen.HeaderValue("Subject"));
        Assert.Empty(postfix.ReadMailLogProblems());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task Three_messages_in_one_smtp_session_all_pass_on_one_milter_connection(int milterProtocol)
    {
        await using var milter = new InProcessMilter();
        await using var postfix = await PostfixInstance.StartAsync(milter.Port, milterProtocol);

        var queueIds = await postfix.SendSmtpAsync("sender@sender.example", ["anyone@receiver.example"], [Message(1), Message(2), Message(3)]);

        var delivered = (await postfix.WaitForDeliveredAsync(3, DeliveryTimeout)).Select(bytes => new DeliveredMessage(bytes)).ToList();
        Assert.Equal(3, delivered.Count);
        foreach (var message in delivered)
        {
            AssertStamped(message);
        }

        Assert.Equal([1, 2, 3], milter.Seen.Select(seen => seen.ConnectionMessageNumber));
        Assert.Equal(queueIds, milter.Seen.Select(seen => seen.QueueId));
        Assert.Single(milter.Handlers);
        Assert.Empty(postfix.ReadMailLogProblems());
    }

    /// <summary>
    /// X-Milter-First sits at the very top of the message as Postfix stored it, above Postfix's own Received
    /// header (the delivery agent's Return-Path, X-Original-To and Delivered-To come above that at delivery); X-Milter-Last is
    /// the last header, its folding intact. Both byte for byte.
    /// </summary>
    private static void AssertStamped(DeliveredMessage message)
    {
        int first = message.IndexOf(HeaderStampingHandler.FirstName);
        Assert.True(first >= 0, "X-Milter-First missing:\n" + message.HeaderBlock);
        Assert.Equal("X-Milter-First: first value", message.Fields[first]);
        Assert.StartsWith("Received: ", message.Fields[first + 1], StringComparison.Ordinal);
        Assert.All(message.Fields.Take(first), field => Assert.Matches("^(Return-Path|X-Original-To|Delivered-To):", field));
        Assert.Equal("X-Milter-Last: last value\n\tfolded line", message.Fields[^1]);
        Assert.EndsWith("X-Milter-Last: last value\n\tfolded line\n", message.HeaderBlock, StringComparison.Ordinal);
    }
}
