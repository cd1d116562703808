namespace Milter.IntegrationTests.Inbound;

/// <summary>The messages on which we report what OpenDKIM reports, through both sides.</summary>
public sealed class ParityFixture : TwoSidedFixture
{
    public static IReadOnlyList<string> ParityCases { get; } =
    [
        InboundCorpus.ValidRelaxedSimple,
        InboundCorpus.ValidSimpleSimple,
        InboundCorpus.ValidEd25519,
        InboundCorpus.BodyTampered,
        InboundCorpus.HeaderTampered,
        InboundCorpus.KeyNxDomain,
        InboundCorpus.KeyRevoked,
        InboundCorpus.Key512Bits,
        InboundCorpus.GoodThenBad,
        InboundCorpus.NoSignature,
        InboundCorpus.ForgedResults,
    ];

    public override IReadOnlyList<string> Cases => ParityCases;
}
