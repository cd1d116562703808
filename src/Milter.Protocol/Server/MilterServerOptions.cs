namespace Milter.Protocol.Server;

/// <summary>Settings of a <see cref="MilterServer"/>.</summary>
public sealed record MilterServerOptions
{
    /// <summary>
    /// The default <see cref="MaxConnections"/>: far above what Postfix opens with its default process limits (one
    /// connection per smtpd or cleanup process, 100 of each), so only a runaway client or a misconfiguration
    /// reaches it; and low enough that what the sessions hold (a descriptor and a read buffer each) stays bounded.
    /// </summary>
    public const int DefaultMaxConnections = 4096;

    /// <summary>Per-connection limits.</summary>
    public MilterSessionOptions Session { get; init; } = new();

    /// <summary>Listen backlog. Postfix opens one milter connection per SMTP session, so bursts are normal.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>
    /// The most sessions served at once; 0 for no limit. At the limit the server stops accepting: one connection
    /// per listener is held, unserved, until a session ends, and later ones wait in the kernel's listen queue, where
    /// the MTA waits for them (Postfix: milter_connect_timeout, 30 s, covers connecting and the negotiation reply).
    /// A burst is served late rather than refused. Reaching the limit and leaving it are logged once each.
    /// </summary>
    public int MaxConnections { get; init; } = DefaultMaxConnections;

    /// <summary>How long <see cref="MilterServer.StopAsync"/> lets messages in progress finish before aborting them.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
