namespace Milter.Protocol.Server;

/// <summary>Settings of a <see cref="MilterServer"/>.</summary>
public sealed record MilterServerOptions
{
    /// <summary>Per-connection limits.</summary>
    public MilterSessionOptions Session { get; init; } = new();

    /// <summary>Listen backlog. Postfix opens one milter connection per SMTP session, so bursts are normal.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>How long <see cref="MilterServer.StopAsync"/> lets messages in progress finish before aborting them.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
