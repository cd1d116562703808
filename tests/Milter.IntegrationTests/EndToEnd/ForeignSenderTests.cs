namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// Done-when 5: a locally submitted message whose From is not one of ours (no SigningTable line matches) passes
/// unsigned: no DKIM-Signature, no "field added" line, and with LogWhy the reason in OpenDKIM's words.
/// </summary>
public sealed class ForeignSenderTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task Mail_from_another_domain_is_delivered_unsigned(int milterProtocol)
    {
        await using var rig = await SigningRig.StartAsync(new RigSetup { MilterProtocol = milterProtocol, SeedPostfixSettings = true });

        await rig.Postfix.SubmitWithSendmailAsync("x@other.example",
            "From: x@other.example\n" +
            "To: anyone@receiver.example\n" +
            "Subject: not ours to sign\n" +
            "\n" +
            "body\n");

        var message = await rig.SingleDeliveryAsync();
        Assert.Empty(message.Signatures);
        Assert.Null(message.Header("DKIM-Signature"));
        // Nothing was verified either (the message carried no signature), so no Authentication-Results was added.
        Assert.Null(message.Header("Authentication-Results"));
        string queueId = message.QueueId;
        Assert.Contains($"{queueId}: no signing table match for 'x@other.example'", rig.Daemon.Output, StringComparison.Ordinal);
        Assert.Empty(SigningRig.SignatureLogLines(rig.Daemon.Output, queueId));
        Assert.Empty(rig.Postfix.ReadMailLogProblems());
        Assert.Empty(SigningRig.DaemonProblems(rig.Daemon.Output));
    }
}
