using Milter.Dkim.Verification;
using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.Handler;

/// <summary>RemoveOldSignatures: signatures already on mail we sign are deleted before ours goes on top.</summary>
public sealed class RemoveOldSignaturesTests
{
    // A message that was signed twice on its way to our submission server (a mailing list, a forwarder).
    private static TestMessage TwiceSigned() => TestMessage.Create()
        .SignedBy(TestKeys.Rsa, "example.net", "sel2048")
        .SignedBy(TestKeys.Ed25519, "example.com", "ed");

    [Fact]
    public async Task Old_signatures_are_deleted_highest_first_then_ours_is_inserted()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables + "RemoveOldSignatures yes\n");
        await using var mta = await rig.ConnectAsync();
        var message = TwiceSigned();

        var outcome = await mta.SendAsync(message, "QIDR1");

        outcome.AssertDelivered();
        var described = outcome.Describe();
        Assert.Equal(3, described.Count);
        // Descending, so each index still names the field it named when the message arrived.
        Assert.Equal("CHGHEADER[2] DKIM-Signature: ", described[0]);
        Assert.Equal("CHGHEADER[1] DKIM-Signature: ", described[1]);
        Assert.StartsWith("INSHEADER[0] DKIM-Signature:  v=1; a=rsa-sha256; c=simple/simple; d=example.com; s=mail;", described[2]);
        var delivered = message.Apply(outcome.Modifications, mta.LeadingSpace);
        var result = Assert.Single(await delivered.VerifyAsync(rig.Dns));
        Assert.Equal((DkimResultStatus.Pass, "mail"), (result.Status, result.Selector));
    }

    [Fact]
    public async Task By_default_old_signatures_stay()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables);
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(TwiceSigned(), "QIDR2");

        outcome.AssertDelivered();
        Assert.Equal("DKIM-Signature", Assert.IsType<InsertHeaderReply>(Assert.Single(outcome.Modifications)).Name);
    }
}
