namespace Milter.IntegrationTests.Inbound;

/// <summary>The messages on which we differ from OpenDKIM on purpose (src/Milter.Daemon/Dkim/OpenDkimReporting.cs), through both sides.</summary>
public sealed class DeliberateDifferencesFixture : TwoSidedFixture
{
    public static IReadOnlyList<string> DifferenceCases { get; } =
        [InboundCorpus.RsaSha1, InboundCorpus.DnsServFail, InboundCorpus.DnsTimeout, InboundCorpus.Malformed];

    public override IReadOnlyList<string> Cases => DifferenceCases;
}
