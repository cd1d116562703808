namespace Milter.IntegrationTests.EndToEnd;

/// <summary>What a <see cref="SigningRig"/> runs: Postfix's milter_protocol, opendkim.conf settings, extra keys.</summary>
internal sealed record RigSetup
{
    public int MilterProtocol { get; init; } = 6;

    /// <summary>opendkim.conf parameters set on top of the seed's configuration.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>Also sign with a fresh Ed25519 key for the seed's domain (selector <see cref="SigningRig.Ed25519Selector"/>).</summary>
    public bool WithEd25519Key { get; init; }

    /// <summary>The seed's own pairing: the daemon on <c>inet:PORT@localhost</c>, Postfix calling <c>inet:localhost:PORT</c>
    /// with <c>milter_default_action = accept</c>. Otherwise 127.0.0.1 and tempfail (a broken milter is loud).</summary>
    public bool SeedPostfixSettings { get; init; }
}
