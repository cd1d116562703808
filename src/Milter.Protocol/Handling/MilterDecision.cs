using Milter.Protocol.Replies;

namespace Milter.Protocol.Handling;

/// <summary>What a handler decides at one step: exactly one final reply. Modifications at end of message go
/// through <see cref="MilterContext.Modifications"/> instead.</summary>
public sealed class MilterDecision
{
    private MilterDecision(MilterReply reply) => Reply = reply;

    /// <summary>The reply that goes on the wire.</summary>
    public MilterReply Reply { get; }

    /// <summary>Go on (at end of message: accept, with any modifications).</summary>
    public static MilterDecision Continue { get; } = new(SimpleReply.Continue);

    /// <summary>Accept; this milter wants nothing more of the message (at CONNECT/HELO: of the SMTP session).</summary>
    public static MilterDecision Accept { get; } = new(SimpleReply.Accept);

    /// <summary>Reject with the MTA's generic 5xx.</summary>
    public static MilterDecision Reject { get; } = new(SimpleReply.Reject);

    /// <summary>Fail temporarily with the MTA's generic 4xx.</summary>
    public static MilterDecision TempFail { get; } = new(SimpleReply.TempFail);

    /// <summary>Accept the message and throw it away.</summary>
    public static MilterDecision Discard { get; } = new(SimpleReply.Discard);

    /// <summary>Close the SMTP session with 421.</summary>
    public static MilterDecision Shutdown { get; } = new(SimpleReply.Shutdown);

    /// <summary>At a body chunk: send no more body. Becomes <see cref="Continue"/> where SKIP was not negotiated.</summary>
    public static MilterDecision Skip { get; } = new(SimpleReply.Skip);

    /// <summary>Reject or fail temporarily (by its code) with this reply text.</summary>
    public static MilterDecision WithReply(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return new(new ReplyWithCodeReply(reply.Text));
    }

    /// <summary>True when the decision ends the transaction in libmilter's sense (anything but continue/skip).</summary>
    internal bool EndsTransaction => Reply is not SimpleReply { Code: Wire.ReplyCode.Continue or Wire.ReplyCode.Skip };

    /// <inheritdoc />
    public override string ToString() => Reply.ToString();
}
