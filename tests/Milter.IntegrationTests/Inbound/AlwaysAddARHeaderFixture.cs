namespace Milter.IntegrationTests.Inbound;

/// <summary>Both sides with <c>AlwaysAddARHeader yes</c> and <c>On-NoSignature reject</c>; an unsigned message is sent to each.</summary>
public sealed class AlwaysAddARHeaderFixture : TwoSidedFixture
{
    public override IReadOnlyList<string> Cases => [InboundCorpus.NoSignature];

    protected override IReadOnlyList<string> ConfigurationLines => [InboundConfiguration.AlwaysAddARHeader, "On-NoSignature reject"];
}
