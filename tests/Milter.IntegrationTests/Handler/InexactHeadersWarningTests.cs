using Microsoft.Extensions.Logging;
using Milter.Protocol.Client;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// The one-time warning at the first connection that cannot pass header fields exactly (Postfix's
/// milter_protocol = 2): said once per daemon, only when simple header canonicalization is at stake, with both fixes.
/// </summary>
public sealed class InexactHeadersWarningTests
{
    private const string WarningStart = "the MTA offered milter protocol version 2 without exact header values";

    [Fact]
    public async Task Version_2_with_simple_signing_warns_once_naming_both_fixes()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables + "Mode s\n");
        for (int i = 0; i < 3; i++)
        {
            await using var mta = await rig.ConnectAsync(profile: MtaProfile.Postfix2);
            (await mta.SendAsync(TestMessage.Create(), $"QID{i}")).AssertDelivered();
        }

        string warning = Assert.Single(rig.Log.At(LogLevel.Warning), line => line.StartsWith(WarningStart, StringComparison.Ordinal));
        Assert.Contains("our signatures (simple header canonicalization) of such messages fail at receivers", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("inbound", warning, StringComparison.Ordinal);
        Assert.Contains("postconf -e 'milter_protocol = 6'", warning, StringComparison.Ordinal);
        Assert.Contains("Canonicalization relaxed/simple", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_2_when_verifying_warns_about_inbound_signatures_and_names_the_postfix_fix()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables + "Mode v\nCanonicalization simple/simple\n");
        await using var mta = await rig.ConnectAsync(profile: MtaProfile.Postfix2);

        string warning = await WaitForWarningAsync(rig);
        Assert.Contains("inbound signatures made with simple header canonicalization fail here", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("Canonicalization relaxed/simple", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(6, "Mode sv\nCanonicalization simple/simple\n")]
    [InlineData(2, "Mode s\nCanonicalization relaxed/simple\n")]
    public async Task No_warning_when_headers_are_exact_or_simple_headers_are_not_at_stake(int protocol, string settings)
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables + settings);
        await using (var mta = await rig.ConnectAsync(profile: protocol == 2 ? MtaProfile.Postfix2 : MtaProfile.Postfix6))
        {
            (await mta.SendAsync(TestMessage.Create(), "QID1")).AssertDelivered();
        }

        Assert.DoesNotContain(rig.Log.At(LogLevel.Warning), line => line.Contains("without exact header values", StringComparison.Ordinal));
    }

    // Negotiation is answered before the warning is looked for, but the log line is written on the server's side.
    private static async Task<string> WaitForWarningAsync(HandlerRig rig)
    {
        for (int i = 0; i < 100; i++)
        {
            if (rig.Log.At(LogLevel.Warning).FirstOrDefault(line => line.StartsWith(WarningStart, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("no warning about inexact header values");
    }
}
