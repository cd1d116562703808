using System.Text;
using Microsoft.Extensions.Logging;
using Milter.IntegrationTests.Handler;
using Milter.Protocol.Client;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.Hostile;

/// <summary>
/// MaximumHeaders as OpenDKIM 2.11 applies it (measured with a milter client against /usr/sbin/opendkim, see
/// docs/reliability/hostile-mail.md): each field counts name + value + 2 bytes; a block of exactly the limit
/// passes, the field that crosses it gets On-Security (default tempfail, a plain SMFIR_TEMPFAIL); 0 is no limit.
/// </summary>
public sealed class HeaderLimitTests
{
    private const string Config = HandlerRig.Tables + "SyslogSuccess yes\n";

    // The standard message's fields plus one X-Filler that brings the block to exactly total bytes (value with
    // its leading space, as the handler sees it with or without HDR_LEADSPC).
    private static TestMessage MessageOfHeaderBytes(long total)
    {
        var message = TestMessage.Create();
        long used = message.Headers.Sum(header => header.Name.Length + Encoding.UTF8.GetByteCount(header.RawValue) + 2);
        long filler = total - used - "X-Filler".Length - 2 - 1;
        return message.With("X-Filler", " " + new string('f', (int)filler));
    }

    [Fact]
    public async Task A_header_block_of_exactly_MaximumHeaders_is_signed()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(MessageOfHeaderBytes(65536), "HL01");

        outcome.AssertDelivered();
        Assert.Equal("DKIM-Signature", Assert.Single(outcome.Inserts).Name);
    }

    [Fact]
    public async Task One_byte_more_is_tempfailed_with_a_log_line()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(MessageOfHeaderBytes(65537), "HL02");

        // Headers are not answered (no-reply negotiated), so the MTA hears it at end of headers.
        Assert.Equal(("EOH", ReplyCode.TempFail), (outcome.DecidedAt, outcome.Final.Code));
        Assert.Empty(outcome.Modifications);
        Assert.Equal(LogLevel.Warning, rig.Log.Single("HL02: too much header data (over 65536 bytes, MaximumHeaders); tempfail per On-Security").Level);
    }

    [Fact]
    public async Task Ten_thousand_fields_are_tempfailed_at_the_field_that_crosses_the_limit_with_protocol_2()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectAsync(profile: MtaProfile.Postfix2);

        var outcome = await mta.SendAsync(HostileSigningTests.ManyFields(TestMessage.Create(), 10_000), "HL03");

        // Postfix at protocol 2 waits for a reply to every field: the refusal comes at the one over the limit.
        Assert.Equal(("HEADER", ReplyCode.TempFail), (outcome.DecidedAt, outcome.Final.Code));
        rig.Log.Single("HL03: too much header data (over 65536 bytes, MaximumHeaders); tempfail per On-Security");
    }

    [Fact]
    public async Task A_one_MB_field_is_tempfailed()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(TestMessage.Create().Replace("Subject", " " + new string('s', 1_000_000)), "HL04");

        Assert.Equal(("EOH", ReplyCode.TempFail), (outcome.DecidedAt, outcome.Final.Code));
    }

    [Theory]
    [InlineData("On-Security reject\n", ReplyCode.Reject)]
    [InlineData("On-Default reject\n", ReplyCode.Reject)]
    [InlineData("On-Security discard\n", ReplyCode.Discard)]
    [InlineData("On-Security accept\n", ReplyCode.Accept)]
    public async Task On_Security_decides_as_OpenDKIM_does(string setting, byte code)
    {
        await using var rig = HandlerRig.Start(Config + setting);
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(MessageOfHeaderBytes(70_000), "HL05");

        Assert.Equal(("EOH", code), (outcome.DecidedAt, outcome.Final.Code));
    }

    [Fact]
    public async Task On_Security_quarantine_holds_the_message_unsigned()
    {
        await using var rig = HandlerRig.Start(Config + "On-Security quarantine\n");
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(MessageOfHeaderBytes(70_000), "HL06");

        Assert.Equal(["QUARANTINE dkim-milter: too much header data"], outcome.Describe());
        outcome.AssertDelivered();
    }

    [Fact]
    public async Task A_lower_MaximumHeaders_applies_to_verification_too()
    {
        await using var rig = HandlerRig.Start(Config + "MaximumHeaders 1000\n");
        await using var mta = await rig.ConnectExternalAsync();

        var outcome = await mta.SendAsync(MessageOfHeaderBytes(1001), "HL07");

        Assert.Equal(("EOH", ReplyCode.TempFail), (outcome.DecidedAt, outcome.Final.Code));
    }
}
