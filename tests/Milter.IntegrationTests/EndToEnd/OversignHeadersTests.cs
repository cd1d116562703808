namespace Milter.IntegrationTests.EndToEnd;

/// <summary>Done-when 5: OversignHeaders From lists From in h= once more than the message has it, and the
/// signature still verifies (the extra instance stands for a From that must not be added later).</summary>
public sealed class OversignHeadersTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task From_is_signed_one_more_time_than_present_and_dkimpy_verifies(int milterProtocol)
    {
        await using var rig = await SigningRig.StartAsync(new RigSetup
        {
            MilterProtocol = milterProtocol,
            Options = new Dictionary<string, string> { ["OversignHeaders"] = "From" },
        });

        await rig.Postfix.SendSmtpAsync("signer@shjtest.o-r.kr", ["anyone@receiver.example"],
        [
            "From: Signer <signer@shjtest.o-r.kr>\r\n" +
            "To: anyone@receiver.example\r\n" +
            "Subject: oversigned\r\n" +
            "Date: Mon, 07 Oct 2024 12:00:00 +0900\r\n" +
            "Message-ID: <oversign@shjtest.o-r.kr>\r\n" +
            "\r\n" +
            "body\r\n",
        ]);

        var message = await rig.SingleDeliveryAsync();
        var signature = Assert.Single(message.Signatures);
        int present = message.Delivered.Fields.Count(field => field.StartsWith("From:", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(1, present);
        Assert.Equal(present + 1, SignedMessage.SignedHeaderNames(signature).Count(name => name.Equals("From", StringComparison.OrdinalIgnoreCase)));
        // Only From is oversigned.
        Assert.Equal(1, SignedMessage.SignedHeaderNames(signature).Count(name => name.Equals("Subject", StringComparison.OrdinalIgnoreCase)));

        var verdict = Assert.Single(await rig.VerifyAsync(message));
        Assert.True(verdict.Pass, $"dkimpy: {verdict.Error}\n{message.Delivered.Text}");
        Assert.Single(await rig.SignatureLogLinesAsync(message.QueueId, expected: 1));
        Assert.Empty(rig.Postfix.ReadMailLogProblems());
        Assert.Empty(SigningRig.DaemonProblems(rig.Daemon.Output));
    }
}
