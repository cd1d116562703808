namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// OpenDKIM 2.11 with <c>AlwaysAddARHeader yes</c> writes <c>dkim=none</c> for unsigned mail and then accepts it,
/// whatever On-NoSignature says (it also skips its "no signature data" log line); On-BadSignature still applies.
/// Not in docs/measurements (which tried the two options apart), measured here through Postfix and with the
/// docs/measurements/opendkim-probe milter client alike. A drop-in must not start refusing this mail.
/// </summary>
public sealed class AlwaysAddARHeaderTests(AlwaysAddARHeaderFixture fixture) : IClassFixture<AlwaysAddARHeaderFixture>
{
    [Fact]
    public void OpenDKIM_accepts_unsigned_mail_with_dkim_none_despite_On_NoSignature_reject() =>
        AssertDeliveredWithDkimNone(fixture.OpenDkim);

    [Fact]
    public void Daemon_accepts_unsigned_mail_with_dkim_none_despite_On_NoSignature_reject() =>
        AssertDeliveredWithDkimNone(fixture.Ours);

    private static void AssertDeliveredWithDkimNone(SideRun run)
    {
        var field = Assert.Single(run.OwnResults(InboundCorpus.NoSignature));

        Assert.Equal($"Authentication-Results: {InboundCorpus.AuthservId}; dkim=none; dkim-atps=neutral", field.Text);
    }
}
