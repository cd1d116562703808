namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// Done-when 3 and 4: an RSA and an Ed25519 key for the same domain (two selectors in the KeyTable, two SigningTable
/// lines matching the sender) with MultipleSignatures yes give two DKIM-Signature fields, rsa-sha256 and
/// ed25519-sha256, and dkimpy verifies each on its own.
/// </summary>
public sealed class DualSigningTests
{
    private const string Message =
        "From: Signer <signer@shjtest.o-r.kr>\r\n" +
        "To: anyone@receiver.example\r\n" +
        "Subject: signed twice\r\n" +
        "Date: Mon, 07 Oct 2024 12:00:00 +0900\r\n" +
        "Message-ID: <dual@shjtest.o-r.kr>\r\n" +
        "\r\n" +
        "One body, two signatures.\r\n";

    private static readonly string RsaLogLine = $"s={DkimKey.SeedSelector} d={DkimKey.SeedDomain}";
    private static readonly string Ed25519LogLine = $"s={SigningRig.Ed25519Selector} d={DkimKey.SeedDomain}";

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task Rsa_and_ed25519_signatures_are_both_added_and_both_verify(int milterProtocol)
    {
        await using var rig = await SigningRig.StartAsync(new RigSetup
        {
            MilterProtocol = milterProtocol,
            WithEd25519Key = true,
            Options = new Dictionary<string, string> { ["MultipleSignatures"] = "yes" },
        });

        var queueIds = await rig.Postfix.SendSmtpAsync("signer@shjtest.o-r.kr", ["anyone@receiver.example"], [Message]);

        var message = await rig.SingleDeliveryAsync();
        Assert.Equal(2, message.Signatures.Count);
        var byAlgorithm = message.Signatures.ToDictionary(signature => signature["a"], StringComparer.Ordinal);
        Assert.Equal(["ed25519-sha256", "rsa-sha256"], byAlgorithm.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(DkimKey.SeedSelector, byAlgorithm["rsa-sha256"]["s"]);
        Assert.Equal(SigningRig.Ed25519Selector, byAlgorithm["ed25519-sha256"]["s"]);
        Assert.All(message.Signatures, signature => Assert.Equal(DkimKey.SeedDomain, signature["d"]));

        var verdicts = await rig.VerifyAsync(message);
        Assert.Equal(2, verdicts.Count);
        Assert.All(verdicts, verdict => Assert.True(verdict.Pass, $"dkimpy on {verdict.Tags.GetValueOrDefault("a")}: {verdict.Error}\n{message.Delivered.Text}"));
        Assert.Equal(["ed25519-sha256", "rsa-sha256"], verdicts.Select(verdict => verdict.Tags["a"]).Order(StringComparer.Ordinal));

        Assert.Equal(queueIds[0], message.QueueId);
        Assert.Equal([Ed25519LogLine, RsaLogLine], (await rig.SignatureLogLinesAsync(message.QueueId, expected: 2)).Order(StringComparer.Ordinal));
        Assert.Empty(rig.Postfix.ReadMailLogProblems());
        Assert.Empty(SigningRig.DaemonProblems(rig.Daemon.Output));
    }

    /// <summary>The contrast: the same tables without MultipleSignatures sign with the first match only.</summary>
    [Fact]
    public async Task Without_multiple_signatures_only_the_first_signing_table_match_signs()
    {
        await using var rig = await SigningRig.StartAsync(new RigSetup { WithEd25519Key = true });

        await rig.Postfix.SendSmtpAsync("signer@shjtest.o-r.kr", ["anyone@receiver.example"], [Message]);

        var message = await rig.SingleDeliveryAsync();
        var signature = Assert.Single(message.Signatures);
        Assert.Equal("rsa-sha256", signature["a"]);
        Assert.True(Assert.Single(await rig.VerifyAsync(message)).Pass);
        Assert.Equal([RsaLogLine], await rig.SignatureLogLinesAsync(message.QueueId, expected: 1));
        Assert.Empty(rig.Postfix.ReadMailLogProblems());
        Assert.Empty(SigningRig.DaemonProblems(rig.Daemon.Output));
    }
}
