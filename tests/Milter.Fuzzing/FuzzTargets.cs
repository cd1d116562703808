using Milter.Fuzzing.Targets;

namespace Milter.Fuzzing;

/// <summary>Every fuzz target, by name.</summary>
public static class FuzzTargets
{
    /// <summary>New instances of all targets, in the order fuzz.sh all runs them.</summary>
    public static IReadOnlyList<IFuzzTarget> CreateAll() =>
    [
        new PacketDecoderTarget(),
        new SessionTarget(),
        new DkimSessionTarget(),
        new SignatureTagsTarget(),
        new KeyRecordTarget(),
        new CanonicalizationTarget(),
        new ConfigFileTarget(),
        new DatasetTarget(),
        new FromAddressTarget(),
    ];

    /// <summary>The target called <paramref name="name"/>, or null.</summary>
    public static IFuzzTarget? Find(string name) => CreateAll().FirstOrDefault(target => target.Name == name);
}
