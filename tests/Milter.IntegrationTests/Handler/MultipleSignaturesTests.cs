using Milter.Dkim.Verification;

namespace Milter.IntegrationTests.Handler;

/// <summary>MultipleSignatures: every SigningTable match signs (dual RSA + Ed25519 signing); without it, the first only.</summary>
public sealed class MultipleSignaturesTests
{
    private const string BothKeys = "*@example.com mail._domainkey.example.com\n*@example.com ed._domainkey.example.com\n";

    [Fact]
    public async Task With_MultipleSignatures_each_matching_key_signs()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables + "MultipleSignatures yes\nSyslogSuccess yes\n", signingTable: BothKeys);
        await using var mta = await rig.ConnectAsync();
        var message = TestMessage.Create();

        var outcome = await mta.SendAsync(message, "QIDM1");

        outcome.AssertDelivered();
        Assert.Equal(2, outcome.Modifications.Count);
        Assert.All(outcome.Inserts, insert => Assert.Equal((0u, "DKIM-Signature"), (insert.Index, insert.Name)));
        Assert.Equal(["rsa-sha256", "ed25519-sha256"], outcome.Inserts.Select(insert => DkimTags.Parse(MessageOutcome.Text(insert.Value))["a"]));
        var results = await message.Apply(outcome.Modifications, mta.LeadingSpace).VerifyAsync(rig.Dns);
        Assert.Equal(2, results.Count);
        Assert.All(results, result => Assert.Equal(DkimResultStatus.Pass, result.Status));
        Assert.Equal(["ed", "mail"], results.Select(result => result.Selector!).Order());
        rig.Log.Single("QIDM1: DKIM-Signature field added (s=mail, d=example.com)");
        rig.Log.Single("QIDM1: DKIM-Signature field added (s=ed, d=example.com)");
    }

    [Fact]
    public async Task Without_MultipleSignatures_the_first_match_signs_alone()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables, signingTable: BothKeys);
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(TestMessage.Create(), "QIDM2");

        outcome.AssertDelivered();
        var insert = Assert.Single(outcome.Inserts);
        Assert.Single(outcome.Modifications);
        var tags = DkimTags.Parse(MessageOutcome.Text(insert.Value));
        Assert.Equal(("rsa-sha256", "mail"), (tags["a"], tags["s"]));
    }
}
