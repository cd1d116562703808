using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// The sign-or-verify decision as the MTA sees it: a PeerList client and a role that Mode switches off are
/// accepted at end of headers, untouched (as OpenDKIM does, per the Parity tests); Mode v never signs.
/// </summary>
public sealed class PolicyRoutingTests
{
    private const string Config = HandlerRig.Tables + "AuthservID test.example\nAlwaysAddARHeader yes\n";

    private static TestMessage SignedByExampleNet() => TestMessage.Create(from: "Sender <sender@example.net>").SignedBy(TestKeys.Rsa, "example.net", "sel2048");

    [Fact]
    public async Task PeerList_client_is_accepted_at_end_of_headers_untouched()
    {
        await using var rig = HandlerRig.Start(Config + "PeerList 192.0.2.1\n");
        await using var mta = await rig.ConnectExternalAsync();

        var outcome = await mta.SendAsync(SignedByExampleNet(), "QIDP1");

        Assert.Equal(("EOH", ReplyCode.Accept), (outcome.DecidedAt, outcome.Final.Code));
        Assert.Empty(outcome.Modifications);
        Assert.Empty(rig.Dns.Queries);
    }

    [Fact]
    public async Task PeerList_leaves_other_clients_alone()
    {
        await using var rig = HandlerRig.Start(Config + "PeerList 192.0.2.99\n");
        await using var mta = await rig.ConnectExternalAsync();

        var outcome = await mta.SendAsync(SignedByExampleNet(), "QIDP2");

        outcome.AssertDelivered();
        Assert.Contains("dkim=pass", outcome.ResultsValue, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mode_s_does_not_verify_foreign_mail()
    {
        await using var rig = HandlerRig.Start(Config + "Mode s\n");
        await using var mta = await rig.ConnectExternalAsync();

        var outcome = await mta.SendAsync(SignedByExampleNet(), "QIDP3");

        Assert.Equal(("EOH", ReplyCode.Accept), (outcome.DecidedAt, outcome.Final.Code));
        Assert.Empty(outcome.Modifications);
        Assert.Empty(rig.Dns.Queries);
    }

    [Fact]
    public async Task Mode_v_leaves_local_mail_of_our_domains_unsigned_and_untouched()
    {
        await using var rig = HandlerRig.Start(Config + "Mode v\n");
        await using var mta = await rig.ConnectAsync();

        // From one of our own domains, from 127.0.0.1: in Mode sv this is signed. OpenDKIM accepts it at end of
        // headers in Mode v, neither signed nor verified (tests/.../Parity "Mode v: local, ours").
        var outcome = await mta.SendAsync(TestMessage.Create().SignedBy(TestKeys.Rsa, "example.com", "mail"), "QIDP4");

        Assert.Equal(("EOH", ReplyCode.Accept), (outcome.DecidedAt, outcome.Final.Code));
        Assert.Empty(outcome.Modifications);
    }

    [Fact]
    public async Task Mode_v_verifies_local_mail_of_other_domains()
    {
        await using var rig = HandlerRig.Start(Config + "Mode v\n");
        await using var mta = await rig.ConnectAsync();
        var message = SignedByExampleNet();

        var outcome = await mta.SendAsync(message, "QIDP5");

        outcome.AssertDelivered();
        Assert.Single(outcome.Modifications);
        Assert.Equal(
            $" test.example;\n\tdkim=pass (2048-bit key; unprotected) header.d=example.net header.i=@example.net header.a=rsa-sha256 header.s=sel2048 header.b={DkimTags.ShortB(message.Value("DKIM-Signature"))};\n\tdkim-atps=neutral",
            outcome.ResultsValue);
    }
}
