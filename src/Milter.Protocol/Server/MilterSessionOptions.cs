using Milter.Protocol.Wire;

namespace Milter.Protocol.Server;

/// <summary>Limits of one milter connection.</summary>
public sealed record MilterSessionOptions
{
    /// <summary>
    /// libmilter's default read timeout (7210 s), which OpenDKIM uses without a setting to change it. It is far
    /// above anything Postfix does on its side: Postfix gives its SMTP client smtpd_timeout (300 s) for each SMTP
    /// command, commands that never reach the milter (NOOP, RSET, VRFY) restart that clock, and the milter
    /// connection stays open for the whole SMTP session. A shorter wait here would close connections Postfix still
    /// means to use, and Postfix would then apply milter_default_action to the message.
    /// </summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(7210);

    /// <summary>The largest accepted packet length field; larger is a protocol error. Default 1 MiB.</summary>
    public int MaxPacketLength { get; init; } = MilterFraming.DefaultMaxPacketLength;

    /// <summary>
    /// How long to wait for the MTA's next whole command outside a message (after negotiation, CONNECT, HELO,
    /// or a finished message) before closing. Bytes of an incomplete packet do not restart the wait, so a peer
    /// trickling a byte at a time is closed as well as a silent one. A write of our replies that cannot complete (the
    /// MTA stopped reading and the socket buffers are full) is given the same time. Default <see cref="DefaultIdleTimeout"/>.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = DefaultIdleTimeout;

    /// <summary>
    /// The same wait inside a message (from MAIL to end of message). Default <see cref="DefaultIdleTimeout"/>:
    /// between RCPT and DATA, and while the body arrives, Postfix waits for its SMTP client (up to smtpd_timeout
    /// per command or per read), so this too may legitimately exceed 300 s.
    /// </summary>
    public TimeSpan MessageIdleTimeout { get; init; } = DefaultIdleTimeout;

    /// <summary>Told of every handler step's duration, handler failures, protocol errors and message outcomes; none by default.</summary>
    public IMilterSessionObserver? Observer { get; init; }
}
