using Microsoft.Extensions.Logging;
using Milter.Dkim.Verification;
using Milter.Protocol.Client;
using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.Handler;

/// <summary>Mail from an internal client (127.0.0.1, the default InternalHosts) for a SigningTable domain is signed.</summary>
public sealed class SigningTests
{
    private const string Config = HandlerRig.Tables + "SyslogSuccess yes\n";

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task Local_mail_gets_one_signature_on_top_that_verifies(int protocol)
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectAsync(profile: protocol == 2 ? MtaProfile.Postfix2 : MtaProfile.Postfix6);
        var message = TestMessage.Create();

        var outcome = await mta.SendAsync(message, "QID1");

        outcome.AssertDelivered();
        var insert = Assert.IsType<InsertHeaderReply>(Assert.Single(outcome.Modifications));
        Assert.Equal(0u, insert.Index);
        Assert.Equal("DKIM-Signature", insert.Name);
        string wire = MessageOutcome.Text(insert.Value);
        // Without HDR_LEADSPC (protocol 2) Postfix writes "DKIM-Signature: " itself; a leading space of ours would
        // be doubled. With it (protocol 6) the value carries its own space, as OpenDKIM sends it.
        Assert.StartsWith(protocol == 2 ? "v=1; a=rsa-sha256; c=simple/simple; d=example.com; s=mail;\n\t" : " v=1; a=rsa-sha256; c=simple/simple; d=example.com; s=mail;\n\t", wire);
        // Folding goes to Postfix as bare LF; a CR would end up in the queue file.
        Assert.DoesNotContain('\r', wire);
        Assert.Equal("From:To:Subject:Date", DkimTags.Parse(wire)["h"]);

        var results = await message.Apply(outcome.Modifications, mta.LeadingSpace).VerifyAsync(rig.Dns);
        var result = Assert.Single(results);
        Assert.Equal(DkimResultStatus.Pass, result.Status);
        Assert.Equal(("example.com", "mail"), (result.Domain, result.Selector));

        Assert.Equal(LogLevel.Information, rig.Log.Single("QID1: DKIM-Signature field added (s=mail, d=example.com)").Level);
    }

    [Fact]
    public async Task Without_SyslogSuccess_the_signature_line_is_debug()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables);
        await using var mta = await rig.ConnectAsync();

        (await mta.SendAsync(TestMessage.Create(), "QID2")).AssertDelivered();

        Assert.Equal(LogLevel.Debug, rig.Log.Single("QID2: DKIM-Signature field added (s=mail, d=example.com)").Level);
    }

    [Fact]
    public async Task Canonicalization_setting_is_what_the_signature_says_and_uses()
    {
        await using var rig = HandlerRig.Start(Config + "Canonicalization relaxed/relaxed\n");
        await using var mta = await rig.ConnectAsync();
        // Whitespace that relaxed canonicalization ignores and simple does not: the signature must still verify
        // after a relay re-spaces it.
        var message = TestMessage.Create(body: "Hello.  \r\nThis   is a test.\r\n\r\n");

        var outcome = await mta.SendAsync(message, "QID3");

        string wire = MessageOutcome.Text(Assert.Single(outcome.Inserts).Value);
        Assert.Equal("relaxed/relaxed", DkimTags.Parse(wire)["c"]);
        var respaced = message.Apply(outcome.Modifications, mta.LeadingSpace).WithBody("Hello.\r\nThis is a test.\r\n");
        Assert.Equal(DkimResultStatus.Pass, Assert.Single(await respaced.VerifyAsync(rig.Dns)).Status);
    }

    [Fact]
    public async Task Sender_not_in_the_SigningTable_is_not_signed()
    {
        await using var rig = HandlerRig.Start(Config + "LogWhy yes\n");
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(TestMessage.Create(from: "Carol <carol@example.org>"), "QID4");

        // Local but not ours: verified (it carries no signature, so nothing is added), as OpenDKIM does.
        outcome.AssertDelivered();
        Assert.Empty(outcome.Modifications);
        Assert.Contains("QID4: no signing table match for 'carol@example.org'", rig.Log.Lines.Select(line => line.Message));
    }
}
