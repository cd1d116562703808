namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// Done-when 5: RemoveOldSignatures yes deletes a DKIM-Signature the message already carried when we sign it; with
/// the default (no) the old one stays below ours. Either way our signature verifies.
/// </summary>
public sealed class RemoveOldSignaturesTests
{
    private const string OldSignature =
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=old.example; s=old;\n" +
        "\tt=1700000000; h=From:To:Subject;\n" +
        "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n" +
        "\tb=AAAAoldsignatureAAAA\n";

    [Theory]
    [InlineData(true, 2)]
    [InlineData(true, 6)]
    [InlineData(false, 2)]
    public async Task A_pre_existing_signature_is_removed_only_when_configured(bool removeOld, int milterProtocol)
    {
        await using var rig = await SigningRig.StartAsync(new RigSetup
        {
            MilterProtocol = milterProtocol,
            Options = new Dictionary<string, string> { ["RemoveOldSignatures"] = removeOld ? "yes" : "no" },
        });

        await rig.Postfix.SubmitWithSendmailAsync("root@shjtest.o-r.kr",
            OldSignature +
            "From: root@shjtest.o-r.kr\n" +
            "To: anyone@receiver.example\n" +
            "Subject: resigned\n" +
            "\n" +
            "body\n");

        var message = await rig.SingleDeliveryAsync();
        Assert.Equal(removeOld ? ["shjtest.o-r.kr"] : ["shjtest.o-r.kr", "old.example"], message.Signatures.Select(signature => signature["d"]));
        // Ours is on top, so dkimpy's first verdict is about it.
        var verdicts = await rig.VerifyAsync(message);
        Assert.True(verdicts[0].Pass, $"dkimpy: {verdicts[0].Error}\n{message.Delivered.Text}");
        Assert.Equal(DkimKey.SeedDomain, verdicts[0].Tags["d"]);
        Assert.Single(await rig.SignatureLogLinesAsync(message.QueueId, expected: 1));
        Assert.Empty(rig.Postfix.ReadMailLogProblems());
        Assert.Empty(SigningRig.DaemonProblems(rig.Daemon.Output));
    }
}
