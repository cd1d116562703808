using System.Buffers;
using Milter.Protocol.Commands;

namespace Milter.Protocol.Handling;

/// <summary>
/// The application side of one milter connection: one method per protocol step. One instance serves one milter
/// connection (several SMTP messages, and after QUIT_NC several SMTP sessions), never two at once. Derive from
/// <see cref="MilterHandler"/> to override only the steps you need.
/// </summary>
/// <remarks>
/// Each message ends with exactly one call of <see cref="EndOfMessageAsync"/> or <see cref="AbortAsync"/>
/// (unless the connection drops first; then <see cref="AbortAsync"/> and <see cref="CloseAsync"/> follow).
/// An exception from a step is logged and answered with a temporary failure: mail is never passed unprocessed
/// because of our own error.
/// </remarks>
public interface IMilterHandler
{
    /// <summary>Chooses actions, protocol flags and macros from what the MTA offers.</summary>
    MilterNegotiation Negotiate(NegotiationOffer offer);

    /// <summary>CONNECT: the SMTP client.</summary>
    ValueTask<MilterDecision> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken);

    /// <summary>HELO/EHLO.</summary>
    ValueTask<MilterDecision> HeloAsync(MilterContext context, string hostname, CancellationToken cancellationToken);

    /// <summary>MAIL FROM: sender then ESMTP arguments. A new message starts here.</summary>
    ValueTask<MilterDecision> MailFromAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken);

    /// <summary>RCPT TO: recipient then ESMTP arguments.</summary>
    ValueTask<MilterDecision> RecipientAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken);

    /// <summary>DATA (protocol version 4 and later only).</summary>
    ValueTask<MilterDecision> DataAsync(MilterContext context, CancellationToken cancellationToken);

    /// <summary>An SMTP command the MTA did not recognise (version 3 and later only).</summary>
    ValueTask<MilterDecision> UnknownAsync(MilterContext context, string commandLine, CancellationToken cancellationToken);

    /// <summary>One header field, in message form (see <see cref="MilterHeader"/>).</summary>
    ValueTask<MilterDecision> HeaderAsync(MilterContext context, MilterHeader header, CancellationToken cancellationToken);

    /// <summary>End of the header block.</summary>
    ValueTask<MilterDecision> EndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken);

    /// <summary>A body chunk (CRLF line endings). The bytes are valid only until the returned task completes.</summary>
    ValueTask<MilterDecision> BodyAsync(MilterContext context, ReadOnlySequence<byte> chunk, CancellationToken cancellationToken);

    /// <summary>End of message: make modifications through <see cref="MilterContext.Modifications"/>, then decide.</summary>
    ValueTask<MilterDecision> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken);

    /// <summary>The MTA abandoned the current message. Never called twice for one message.</summary>
    ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken);

    /// <summary>The SMTP session is over (QUIT, QUIT_NC or the connection closed).</summary>
    ValueTask CloseAsync(MilterContext context, CancellationToken cancellationToken);
}
