using System.Text;
using Milter.Dkim.Verification;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// One milter connection carries many messages (Postfix reuses it for a whole SMTP session): each message is
/// decided on its own, and an aborted message leaves nothing behind in the next one.
/// </summary>
public sealed class SessionLifecycleTests
{
    [Fact]
    public async Task Several_messages_on_one_connection_are_each_handled()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables + "On-NoSignature reject\nSyslogSuccess yes\n");
        await using var mta = await rig.ConnectAsync();
        var first = TestMessage.Create(body: "First.\r\n");
        var third = TestMessage.Create(from: "Bob <bob@example.com>", body: "Third.\r\n");

        var one = await mta.SendAsync(first, "QIDL1");
        // Not ours and unsigned: verified, and refused by On-NoSignature.
        var two = await mta.SendAsync(TestMessage.Create(from: "Carol <carol@example.org>"), "QIDL2");
        var three = await mta.SendAsync(third, "QIDL3");

        one.AssertDelivered();
        Assert.Equal("550 5.7.0 no DKIM signature data", two.ReplyText);
        three.AssertDelivered();
        Assert.Equal(DkimResultStatus.Pass, Assert.Single(await first.Apply(one.Modifications, mta.LeadingSpace).VerifyAsync(rig.Dns)).Status);
        Assert.Equal(DkimResultStatus.Pass, Assert.Single(await third.Apply(three.Modifications, mta.LeadingSpace).VerifyAsync(rig.Dns)).Status);
        Assert.Equal(
            ["QIDL1: DKIM-Signature field added (s=mail, d=example.com)", "QIDL3: DKIM-Signature field added (s=mail, d=example.com)"],
            rig.Log.Lines.Select(line => line.Message).Where(message => message.Contains("field added", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_message_after_an_abort_is_signed_over_its_own_content_only()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables);
        await using var mta = await rig.ConnectAsync();
        var aborted = TestMessage.Create(from: "Bob <bob@example.com>", body: "This message is aborted half-way.\r\n");

        // Headers, end of headers and part of the body, then the SMTP client goes away (Postfix sends ABORT).
        await mta.StartAsync("QIDB1");
        foreach (var (name, rawValue) in aborted.Headers)
        {
            Assert.Equal(ReplyCode.Continue, (await mta.Client.MessageHeaderAsync(name, Encoding.UTF8.GetBytes(rawValue), [new("i", "QIDB1")])).Code);
        }

        Assert.Equal(ReplyCode.Continue, (await mta.Client.EndOfHeadersAsync([new("i", "QIDB1")])).Code);
        Assert.Equal(ReplyCode.Continue, (await mta.Client.BodyChunkAsync("This message is ab"u8.ToArray(), [new("i", "QIDB1")])).Code);
        await mta.Client.AbortAsync();

        var message = TestMessage.Create();
        var outcome = await mta.SendAsync(message, "QIDB2");

        outcome.AssertDelivered();
        var insert = Assert.Single(outcome.Inserts);
        Assert.Single(outcome.Modifications);
        var result = Assert.Single(await message.Apply(outcome.Modifications, mta.LeadingSpace).VerifyAsync(rig.Dns));
        Assert.Equal(DkimResultStatus.Pass, result.Status);
        // The aborted message's From (bob) must not have leaked into the signed header set.
        Assert.Equal("From:To:Subject:Date", DkimTags.Parse(MessageOutcome.Text(insert.Value))["h"]);
    }
}
