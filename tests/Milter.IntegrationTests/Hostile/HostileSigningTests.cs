using System.Text;
using Microsoft.Extensions.Logging;
using Milter.Dkim.Verification;
using Milter.IntegrationTests.Handler;
using Milter.Protocol.Replies;

namespace Milter.IntegrationTests.Hostile;

/// <summary>
/// Hostile or broken mail from a local client of a signing domain, through the real handler: each gets a defined
/// result (a signature that verifies, or a refusal) and a log line, and none that should be signed leaves unsigned.
/// </summary>
public sealed class HostileSigningTests
{
    private const string Config = HandlerRig.Tables + "SyslogSuccess yes\nAuthservID test.example\n";

    private static async Task<(MessageOutcome Outcome, bool LeadingSpace)> SendAsync(HandlerRig rig, TestMessage message, string queueId)
    {
        await using var mta = await rig.ConnectAsync();
        var outcome = await mta.SendAsync(message, queueId);
        return (outcome, mta.LeadingSpace);
    }

    // The message was signed once, at the top, and the signature verifies on the message as delivered.
    private static async Task AssertSignedAndVerifies(HandlerRig rig, MessageOutcome outcome, TestMessage message, bool leadingSpace, string queueId)
    {
        outcome.AssertDelivered();
        var insert = Assert.Single(outcome.Inserts);
        Assert.Equal(("DKIM-Signature", 0u), (insert.Name, insert.Index));
        var delivered = message.Apply(outcome.Modifications, leadingSpace);
        var result = (await delivered.VerifyAsync(rig.Dns))[0];
        Assert.Equal(DkimResultStatus.Pass, result.Status);
        Assert.Contains(rig.Log.Lines, line => line.Message == $"{queueId}: DKIM-Signature field added (s=mail, d=example.com)");
    }

    [Fact]
    public async Task No_From_is_not_signed_and_reported_as_malformed()
    {
        await using var rig = HandlerRig.Start(Config);
        var (outcome, _) = await SendAsync(rig, TestMessage.Create().Without("From"), "HS01");

        // OpenDKIM's rule: no sender, nothing to look up in the SigningTable, so no key is chosen; the message is
        // accepted with a permerror, as OpenDKIM does (measured), and the log line says why.
        outcome.AssertDelivered();
        Assert.DoesNotContain(outcome.Inserts, insert => insert.Name == "DKIM-Signature");
        Assert.Equal(" test.example; dkim=permerror (bad message/signature format)", outcome.ResultsValue);
        Assert.Equal(LogLevel.Information, rig.Log.Single("HS01: can't determine message sender; accepting").Level);
    }

    [Theory]
    [InlineData(" alice")]
    [InlineData(" alice@")]
    [InlineData(" <>")]
    [InlineData(" undisclosed-recipients:;")]
    public async Task From_without_a_domain_is_treated_as_no_sender(string from)
    {
        await using var rig = HandlerRig.Start(Config);
        var (outcome, _) = await SendAsync(rig, TestMessage.Create().Replace("From", from), "HS02");

        outcome.AssertDelivered();
        Assert.DoesNotContain(outcome.Inserts, insert => insert.Name == "DKIM-Signature");
        Assert.Equal(" test.example; dkim=permerror (bad message/signature format)", outcome.ResultsValue);
        rig.Log.Single("HS02: can't determine message sender; accepting");
    }

    [Fact]
    public async Task Several_From_fields_are_signed_for_the_first_and_every_one_is_covered()
    {
        var message = TestMessage.Create().With("From", " Mallory <mallory@example.org>");
        await using var rig = HandlerRig.Start(Config);
        var (outcome, leadingSpace) = await SendAsync(rig, message, "HS03");

        // As OpenDKIM (StrictHeaders off): the first From picks the key; h= names From once per field present (in
        // the configured order, each name as often as it occurs), so neither can be removed or changed unnoticed.
        await AssertSignedAndVerifies(rig, outcome, message, leadingSpace, "HS03");
        Assert.Equal("From:To:Subject:Date:From", DkimTags.Parse(MessageOutcome.Text(outcome.Inserts[0].Value))["h"]);
        var tampered = message.Apply(outcome.Modifications, leadingSpace).Without("From").With("From", " Alice <alice@example.com>");
        Assert.NotEqual(DkimResultStatus.Pass, (await tampered.VerifyAsync(rig.Dns))[0].Status);
    }

    [Fact]
    public async Task NUL_bytes_in_the_body_are_signed_as_content()
    {
        var message = TestMessage.Create(body: "Hello.\0\r\nNUL\0\0 in the middle.\r\n");
        await using var rig = HandlerRig.Start(Config);
        var (outcome, leadingSpace) = await SendAsync(rig, message, "HS04");

        await AssertSignedAndVerifies(rig, outcome, message, leadingSpace, "HS04");
    }

    [Theory]
    [InlineData("bare LF\nin the body\n")]
    [InlineData("bare CR\rin the body\r")]
    [InlineData("mixed\r\r\n\n\rends\r\n\r\n\r\n")]
    public async Task Bare_CR_and_LF_in_the_body_are_signed_as_content(string body)
    {
        // Postfix turns a bare LF into CRLF before a milter sees it; sent as they are here, they are content.
        var message = TestMessage.Create(body: body);
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectAsync();

        var outcome = await ExactContent.SendAsync(mta, message, "HS05");

        await AssertSignedAndVerifies(rig, outcome, message, mta.LeadingSpace, "HS05");
    }

    [Fact]
    public async Task A_NUL_inside_a_header_value_closes_that_session_only()
    {
        await using var rig = HandlerRig.Start(Config);
        await using (var mta = await rig.ConnectAsync())
        {
            await mta.StartAsync("HS11");
            // HEADER is "name NUL value NUL": a NUL inside the value leaves bytes after the terminator, a malformed
            // packet (Postfix cannot send one: its values are C strings). The session ends; Postfix would apply
            // milter_default_action (tempfail) to the message, so nothing leaves unsigned.
            await mta.Client.HeaderAsync("Subject", Encoding.UTF8.GetBytes(" a NUL\0inside"));
            Assert.True(await mta.Client.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        }

        // The daemon goes on: the next connection signs.
        await using var next = await rig.ConnectAsync();
        var outcome = await next.SendAsync(TestMessage.Create(), "HS12");
        await AssertSignedAndVerifies(rig, outcome, TestMessage.Create(), next.LeadingSpace, "HS12");
    }

    // A bare LF in a header is a line end to Postfix (a fold or a new field), so only bare CR and other controls
    // reach a milter inside a value.
    [Theory]
    [InlineData(" a bare\rCR")]
    [InlineData(" bell\u0007 and escape\u001b")]
    public async Task Control_characters_in_a_signed_header_are_signed_as_they_are(string subject)
    {
        var message = TestMessage.Create().Replace("Subject", subject);
        await using var rig = HandlerRig.Start(Config);
        var (outcome, leadingSpace) = await SendAsync(rig, message, "HS06");

        await AssertSignedAndVerifies(rig, outcome, message, leadingSpace, "HS06");
    }

    [Theory]
    [InlineData("X Spaced Name")]
    [InlineData("X-\u00dcml\u00e4ut")]
    public async Task A_header_name_with_spaces_or_8_bit_is_carried_and_the_message_signed(string name)
    {
        var message = TestMessage.Create().With(name, " value");
        await using var rig = HandlerRig.Start(Config);
        var (outcome, leadingSpace) = await SendAsync(rig, message, "HS07");

        await AssertSignedAndVerifies(rig, outcome, message, leadingSpace, "HS07");
    }

    [Fact]
    public async Task A_hundred_DKIM_Signature_fields_do_not_stop_signing()
    {
        var message = TestMessage.Create();
        for (int i = 0; i < 100; i++)
        {
            message = message.WithOnTop("DKIM-Signature", $" v=1; a=rsa-sha256; d=example.org; s=s{i}; h=From; bh=AAAA; b=AAAA");
        }

        await using var rig = HandlerRig.Start(Config);
        var (outcome, leadingSpace) = await SendAsync(rig, message, "HS08");

        await AssertSignedAndVerifies(rig, outcome, message, leadingSpace, "HS08");
    }

    [Fact]
    public async Task Ten_thousand_header_fields_within_MaximumHeaders_0_are_signed()
    {
        var message = ManyFields(TestMessage.Create(), 10_000);
        await using var rig = HandlerRig.Start(Config + "MaximumHeaders 0\n");
        var (outcome, leadingSpace) = await SendAsync(rig, message, "HS09");

        await AssertSignedAndVerifies(rig, outcome, message, leadingSpace, "HS09");
    }

    [Fact]
    public async Task A_one_MB_header_field_within_MaximumHeaders_0_is_signed()
    {
        var message = TestMessage.Create().Replace("Subject", " " + new string('s', 1_000_000));
        await using var rig = HandlerRig.Start(Config + "MaximumHeaders 0\n");
        var (outcome, leadingSpace) = await SendAsync(rig, message, "HS10");

        await AssertSignedAndVerifies(rig, outcome, message, leadingSpace, "HS10");
    }

    internal static TestMessage ManyFields(TestMessage message, int count)
    {
        for (int i = 0; i < count; i++)
        {
            message = message.With("X-Filler", $" {i}");
        }

        return message;
    }
}
