namespace Milter.IntegrationTests.Handler;

/// <summary>
/// The authserv-id of our Authentication-Results (measured §4): AuthservID if set ("HOSTNAME" = this host's
/// name), else the MTA's <c>j</c> macro, else "unknown-host". It is also the id whose forged fields are removed.
/// </summary>
public sealed class AuthservIdTests
{
    private static TestMessage Unsigned() => TestMessage.Create(from: "Sender <sender@example.net>");

    [Fact]
    public async Task Configured_id_wins_over_the_MTA_name()
    {
        await using var rig = HandlerRig.Start("AlwaysAddARHeader yes\nAuthservID test.example\n");
        await using var mta = await rig.ConnectExternalAsync(mtaName: "mx.test.example");

        var outcome = await mta.SendAsync(Unsigned(), "QIDA1");

        Assert.Equal(" test.example; dkim=none; dkim-atps=neutral", outcome.ResultsValue);
    }

    [Fact]
    public async Task HOSTNAME_means_this_hosts_name()
    {
        await using var rig = HandlerRig.Start("AlwaysAddARHeader yes\nAuthservID HOSTNAME\n");
        await using var mta = await rig.ConnectExternalAsync(mtaName: "mx.test.example");

        var outcome = await mta.SendAsync(Unsigned(), "QIDA2");

        Assert.Equal($" {System.Net.Dns.GetHostName()}; dkim=none; dkim-atps=neutral", outcome.ResultsValue);
    }

    [Fact]
    public async Task Unset_id_is_the_MTA_name_from_macro_j()
    {
        await using var rig = HandlerRig.Start("AlwaysAddARHeader yes\n");
        await using var mta = await rig.ConnectExternalAsync(mtaName: "mx.test.example");
        // A field claiming the MTA's name is forged; one claiming another host's is not ours to judge.
        var message = Unsigned()
            .WithOnTop("Authentication-Results", " test.example; dkim=pass header.d=example.net")
            .WithOnTop("Authentication-Results", " mx.test.example; dkim=pass header.d=example.net");

        var outcome = await mta.SendAsync(message, "QIDA3");

        Assert.Equal(
            ["CHGHEADER[1] Authentication-Results: ", "INSHEADER[0] Authentication-Results:  mx.test.example; dkim=none; dkim-atps=neutral"],
            outcome.Describe());
    }

    [Fact]
    public async Task Unset_id_without_macro_j_is_unknown_host()
    {
        await using var rig = HandlerRig.Start("AlwaysAddARHeader yes\n");
        await using var mta = await rig.ConnectExternalAsync(mtaName: null);

        var outcome = await mta.SendAsync(Unsigned(), "QIDA4");

        Assert.Equal(" unknown-host; dkim=none; dkim-atps=neutral", outcome.ResultsValue);
    }
}
