namespace Milter.IntegrationTests.Handler;

/// <summary>
/// Incoming Authentication-Results fields (measured §1 case 15, §4): those claiming our authserv-id are forged and
/// deleted (CHGHEADER, 1-based occurrence among A-R fields, empty value, highest first, before our INSHEADER);
/// KeepAuthResults keeps them; RemoveARAll deletes every one; RemoveARFrom those of the listed hosts.
/// </summary>
public sealed class IncomingResultsRemovalTests
{
    private const string Config = "AuthservID test.example\n";

    // A-R #1 claims our id, #2 another host's, #3 ours again (case 15c).
    private static TestMessage WithThreeResults() => TestMessage.Create(from: "Sender <sender@example.net>")
        .SignedBy(TestKeys.Rsa, "example.net", "sel2048")
        .With("Authentication-Results", " test.example; dkim=pass header.d=example.net")
        .With("Authentication-Results", " other.example; spf=pass smtp.mailfrom=example.net")
        .With("Authentication-Results", " test.example; dmarc=pass header.from=example.net");

    private static string OurResult(TestMessage message) =>
        $"INSHEADER[0] Authentication-Results:  test.example;\n\tdkim=pass (2048-bit key; unprotected) header.d=example.net header.i=@example.net header.a=rsa-sha256 header.s=sel2048 header.b={DkimTags.ShortB(message.Value("DKIM-Signature"))};\n\tdkim-atps=neutral";

    [Fact]
    public async Task Fields_claiming_our_id_are_deleted_highest_first()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectExternalAsync();
        var message = WithThreeResults();

        var outcome = await mta.SendAsync(message, "QID15C");

        outcome.AssertDelivered();
        Assert.Equal(["CHGHEADER[3] Authentication-Results: ", "CHGHEADER[1] Authentication-Results: ", OurResult(message)], outcome.Describe());
    }

    [Fact]
    public async Task A_forged_field_is_deleted_on_unsigned_mail_too()
    {
        await using var rig = HandlerRig.Start(Config);
        await using var mta = await rig.ConnectExternalAsync();
        var message = TestMessage.Create(from: "Sender <sender@example.net>").With("Authentication-Results", " test.example; dkim=pass");

        var outcome = await mta.SendAsync(message, "QID15D");

        outcome.AssertDelivered();
        Assert.Equal(["CHGHEADER[1] Authentication-Results: "], outcome.Describe());
    }

    [Fact]
    public async Task KeepAuthResults_keeps_them()
    {
        await using var rig = HandlerRig.Start(Config + "KeepAuthResults yes\n");
        await using var mta = await rig.ConnectExternalAsync();
        var message = WithThreeResults();

        var outcome = await mta.SendAsync(message, "QIDK1");

        Assert.Equal([OurResult(message)], outcome.Describe());
    }

    [Fact]
    public async Task RemoveARAll_deletes_every_field()
    {
        await using var rig = HandlerRig.Start(Config + "RemoveARAll yes\n");
        await using var mta = await rig.ConnectExternalAsync();
        var message = WithThreeResults();

        var outcome = await mta.SendAsync(message, "QIDK2");

        // Deliberate difference (README): OpenDKIM accepts RemoveARAll and does nothing with it.
        Assert.Equal(
            ["CHGHEADER[3] Authentication-Results: ", "CHGHEADER[2] Authentication-Results: ", "CHGHEADER[1] Authentication-Results: ", OurResult(message)],
            outcome.Describe());
    }

    [Fact]
    public async Task RemoveARFrom_a_domain_deletes_its_hosts_fields()
    {
        await using var rig = HandlerRig.Start(Config + "RemoveARFrom .example.com\n");
        await using var mta = await rig.ConnectExternalAsync();
        var message = TestMessage.Create(from: "Sender <sender@example.net>")
            .SignedBy(TestKeys.Rsa, "example.net", "sel2048")
            .With("Authentication-Results", " mx.example.com; spf=pass smtp.mailfrom=example.net")
            .With("Authentication-Results", " other.example; spf=pass smtp.mailfrom=example.net");

        var outcome = await mta.SendAsync(message, "QIDK3");

        Assert.Equal(["CHGHEADER[1] Authentication-Results: ", OurResult(message)], outcome.Describe());
    }
}
