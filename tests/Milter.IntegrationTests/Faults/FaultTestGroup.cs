namespace Milter.IntegrationTests.Faults;

/// <summary>
/// The fault tests run one class at a time: each drives its own daemon hard (1,000 connections, 10,000 broken
/// sessions), and on a 2-core machine two at once would mostly measure each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FaultTestGroup
{
    public const string Name = "Faults";
}
