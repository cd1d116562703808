using Milter.Protocol.Wire;

namespace Milter.Protocol.Server;

/// <summary>Limits of one milter connection.</summary>
public sealed record MilterSessionOptions
{
    /// <summary>The largest accepted packet length field; larger is a protocol error. Default 1 MiB.</summary>
    public int MaxPacketLength { get; init; } = MilterFraming.DefaultMaxPacketLength;

    /// <summary>How long to wait for the MTA's next command before closing. libmilter's default is 7210 s, and
    /// Postfix keeps a milter connection open for a whole SMTP session, so this must be generous.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(7210);
}
