namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// Done-when 1 and 4: the seed manual's deployment end to end. The seed's opendkim.conf (samples/local, only paths
/// and socket changed) behind Postfix with the manual's milter settings; mail from root@shjtest.o-r.kr is delivered
/// with a DKIM-Signature that dkimpy verifies with the public key the manual publishes in DNS.
/// </summary>
public sealed class SeedFlowTests
{
    /// <summary>What the manual's test command (`mail -s ... -r root@shjtest.o-r.kr`) hands to sendmail, roughly:
    /// no Date or Message-ID, which Postfix adds for local submissions.</summary>
    private const string ManualTestMessage =
        "Subject: dkim mail sending test\r\n" +
        "To: someone@receiver.example\r\n" +
        "From: root@shjtest.o-r.kr\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=UTF-8\r\n" +
        "Content-Transfer-Encoding: 8bit\r\n" +
        "\r\n" +
        "dkim mail sending test\r\n";

    [Fact]
    public async Task Sendmail_submission_at_milter_protocol_2_is_delivered_signed_and_dkimpy_verifies_it()
    {
        await using var rig = await SigningRig.StartAsync(new RigSetup { MilterProtocol = 2, SeedPostfixSettings = true });

        // sendmail -t, as mail(1) does: non_smtpd_milters.
        await rig.Postfix.SubmitWithSendmailAsync("root@shjtest.o-r.kr", ManualTestMessage.Replace("\r\n", "\n", StringComparison.Ordinal));

        var message = await rig.SingleDeliveryAsync();
        await AssertSignedAsTheSeedSaysAsync(rig, message);
        // The seed's pairing (version 2, simple/simple) is told once what it risks and how to fix it.
        string warning = Assert.Single(SigningRig.InexactHeaderWarnings(rig.Daemon.Output));
        Assert.Contains("milter_protocol = 6", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_mail_from_127_0_0_1_at_milter_protocol_6_is_delivered_signed_and_dkimpy_verifies_it()
    {
        await using var rig = await SigningRig.StartAsync(new RigSetup { MilterProtocol = 6, SeedPostfixSettings = true });

        var queueIds = await rig.Postfix.SendSmtpAsync("root@shjtest.o-r.kr", ["someone@receiver.example"], [ManualTestMessage]);

        var message = await rig.SingleDeliveryAsync();
        Assert.Equal(queueIds[0], message.QueueId);
        await AssertSignedAsTheSeedSaysAsync(rig, message);
        Assert.Empty(SigningRig.InexactHeaderWarnings(rig.Daemon.Output));
    }

    private static async Task AssertSignedAsTheSeedSaysAsync(SigningRig rig, SignedMessage message)
    {
        var signature = Assert.Single(message.Signatures);
        Assert.Equal("1", signature["v"]);
        Assert.Equal("rsa-sha256", signature["a"]); // SignatureAlgorithm rsa-sha256
        Assert.Equal("simple/simple", signature["c"]); // no Canonicalization: OpenDKIM's default
        Assert.Equal(DkimKey.SeedDomain, signature["d"]);
        Assert.Equal(DkimKey.SeedSelector, signature["s"]);
        Assert.Contains("From", SignedMessage.SignedHeaderNames(signature), StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Subject", SignedMessage.SignedHeaderNames(signature), StringComparer.OrdinalIgnoreCase);

        var verdict = Assert.Single(await rig.VerifyAsync(message));
        Assert.True(verdict.Pass, $"dkimpy: {verdict.Error}\n{message.Delivered.Text}");

        // SyslogSuccess yes: exactly one success line, naming Postfix's queue id of this message.
        Assert.Equal([$"s={DkimKey.SeedSelector} d={DkimKey.SeedDomain}"], await rig.SignatureLogLinesAsync(message.QueueId, expected: 1));
        Assert.Empty(rig.Postfix.ReadMailLogProblems());
        Assert.Empty(SigningRig.DaemonProblems(rig.Daemon.Output));
    }
}
