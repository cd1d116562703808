using Milter.Dkim.Verification;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// Which sender the decision is made for (measured §3): no usable From means permerror, accepted whatever On-*
/// says; a From with display name, comments and an upper-case domain signs for the lower-cased domain.
/// </summary>
public sealed class SenderAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", "localhost")]
    [InlineData("192.0.2.1", "mail.example.net")]
    public async Task No_From_header_is_a_format_permerror_and_accepted(string address, string hostname)
    {
        // On-NoSignature reject must not apply: OpenDKIM accepts whatever On-* says (results/nofrom-*.json).
        await using var rig = HandlerRig.Start(HandlerRig.Tables + "AuthservID test.example\nOn-NoSignature reject\nOn-Default reject\n");
        await using var mta = await rig.ConnectAsync(address, hostname);

        var outcome = await mta.SendAsync(TestMessage.Create().Without("From"), "QIDS3");

        outcome.AssertDelivered();
        Assert.Single(outcome.Modifications);
        Assert.Equal(" test.example; dkim=permerror (bad message/signature format)", outcome.ResultsValue);
        rig.Log.Single("QIDS3: can't determine message sender; accepting");
    }

    [Fact]
    public async Task From_with_display_name_and_comments_signs_for_the_lower_cased_domain()
    {
        // "%" takes the sender's domain for d=: it must be the lower-cased one, as OpenDKIM puts it there.
        await using var rig = HandlerRig.Start(HandlerRig.Tables,
            keyTable: "sender-domain %:mail:{dir}/" + TestKeys.RsaFile + "\n",
            signingTable: "*@example.com sender-domain\n");
        await using var mta = await rig.ConnectAsync();
        var message = TestMessage.Create(from: "\"Alice Q. Example\" (work) <alice@EXAMPLE.COM> (sent from phone)");

        var outcome = await mta.SendAsync(message, "QIDS5");

        outcome.AssertDelivered();
        var tags = DkimTags.Parse(MessageOutcome.Text(Assert.Single(outcome.Inserts).Value));
        Assert.Equal(("example.com", "mail"), (tags["d"], tags["s"]));
        Assert.Equal(DkimResultStatus.Pass, Assert.Single(await message.Apply(outcome.Modifications, mta.LeadingSpace).VerifyAsync(rig.Dns)).Status);
    }

    [Fact]
    public async Task The_SigningTable_key_decides_d()
    {
        // A key whose KeyTable domain is not the sender's: d= is the key's (e.g. an ESP signing for customers).
        var dns = HandlerRig.StandardDns().Publish("mail", "signer.example", TestKeys.RsaRecord);
        await using var rig = HandlerRig.Start(HandlerRig.Tables,
            keyTable: "esp signer.example:mail:{dir}/" + TestKeys.RsaFile + "\n",
            signingTable: "*@example.com esp\n",
            dns: dns);
        await using var mta = await rig.ConnectAsync();
        var message = TestMessage.Create(from: "Alice <alice@Example.Com>");

        var outcome = await mta.SendAsync(message, "QIDS6");

        var tags = DkimTags.Parse(MessageOutcome.Text(Assert.Single(outcome.Inserts).Value));
        Assert.Equal("signer.example", tags["d"]);
        Assert.Equal(DkimResultStatus.Pass, Assert.Single(await message.Apply(outcome.Modifications, mta.LeadingSpace).VerifyAsync(rig.Dns)).Status);
    }
}
