using Milter.Protocol.Wire;

namespace Milter.Protocol.Replies;

/// <summary>A reply from the milter to the MTA. <see cref="ReplyCodec"/> reads and writes them.</summary>
public abstract record MilterReply
{
    /// <summary>The reply byte.</summary>
    public abstract byte Code { get; }

    /// <summary>True for the replies that end a step: continue, accept, reject, tempfail, discard, reply code,
    /// shutdown, skip. Progress and modifications are not final.</summary>
    public bool IsFinal => Code is ReplyCode.Continue or ReplyCode.Accept or ReplyCode.Reject or ReplyCode.TempFail
        or ReplyCode.Discard or ReplyCode.ReplyWithCode or ReplyCode.Shutdown or ReplyCode.Skip;
}

/// <summary>A reply that carries nothing but its code (c, a, r, t, d, 4, p, s, f).</summary>
public sealed record SimpleReply : MilterReply
{
    private readonly byte _code;

    private SimpleReply(byte code) => _code = code;

    /// <inheritdoc />
    public override byte Code => _code;

    /// <summary>SMFIR_CONTINUE.</summary>
    public static SimpleReply Continue { get; } = new(ReplyCode.Continue);
    /// <summary>SMFIR_ACCEPT.</summary>
    public static SimpleReply Accept { get; } = new(ReplyCode.Accept);
    /// <summary>SMFIR_REJECT.</summary>
    public static SimpleReply Reject { get; } = new(ReplyCode.Reject);
    /// <summary>SMFIR_TEMPFAIL.</summary>
    public static SimpleReply TempFail { get; } = new(ReplyCode.TempFail);
    /// <summary>SMFIR_DISCARD.</summary>
    public static SimpleReply Discard { get; } = new(ReplyCode.Discard);
    /// <summary>SMFIR_SHUTDOWN.</summary>
    public static SimpleReply Shutdown { get; } = new(ReplyCode.Shutdown);
    /// <summary>SMFIR_PROGRESS.</summary>
    public static SimpleReply Progress { get; } = new(ReplyCode.Progress);
    /// <summary>SMFIR_SKIP.</summary>
    public static SimpleReply Skip { get; } = new(ReplyCode.Skip);
    /// <summary>SMFIR_CONN_FAIL (decoded for completeness; Postfix does not support it).</summary>
    public static SimpleReply ConnectionFail { get; } = new(ReplyCode.ConnectionFail);

    /// <summary>The singleton for a payload-less reply code, or null if the code carries a payload.</summary>
    public static SimpleReply? FromCode(byte code) => code switch
    {
        ReplyCode.Continue => Continue,
        ReplyCode.Accept => Accept,
        ReplyCode.Reject => Reject,
        ReplyCode.TempFail => TempFail,
        ReplyCode.Discard => Discard,
        ReplyCode.Shutdown => Shutdown,
        ReplyCode.Progress => Progress,
        ReplyCode.Skip => Skip,
        ReplyCode.ConnectionFail => ConnectionFail,
        _ => null,
    };

    /// <inheritdoc />
    public override string ToString() => $"SimpleReply '{(char)_code}'";
}

/// <summary>SMFIR_REPLYCODE: the full SMTP reply text, e.g. "550 5.7.1 Rejected". Build it with
/// <see cref="Handling.SmtpReply"/>, which validates it.</summary>
public sealed record ReplyWithCodeReply(string Text) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.ReplyWithCode;
}

/// <summary>SMFIR_QUARANTINE.</summary>
public sealed record QuarantineReply(string Reason) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.Quarantine;
}

/// <summary>SMFIR_ADDHEADER, with the value as it goes on the wire.</summary>
public sealed record AddHeaderReply(string Name, ReadOnlyMemory<byte> Value) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.AddHeader;
}

/// <summary>SMFIR_INSHEADER, with the value as it goes on the wire. Index 0 is the very top of the message.</summary>
public sealed record InsertHeaderReply(uint Index, string Name, ReadOnlyMemory<byte> Value) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.InsertHeader;
}

/// <summary>SMFIR_CHGHEADER: change the <see cref="Index"/>-th (1-based) occurrence of <see cref="Name"/>;
/// an empty value deletes it.</summary>
public sealed record ChangeHeaderReply(uint Index, string Name, ReadOnlyMemory<byte> Value) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.ChangeHeader;
}

/// <summary>SMFIR_ADDRCPT.</summary>
public sealed record AddRecipientReply(string Recipient) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.AddRecipient;
}

/// <summary>SMFIR_ADDRCPT_PAR.</summary>
public sealed record AddRecipientWithArgumentsReply(string Recipient, string Arguments) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.AddRecipientWithArguments;
}

/// <summary>SMFIR_DELRCPT.</summary>
public sealed record DeleteRecipientReply(string Recipient) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.DeleteRecipient;
}

/// <summary>SMFIR_CHGFROM; <see cref="Arguments"/> may be null (no ESMTP arguments).</summary>
public sealed record ChangeFromReply(string Sender, string? Arguments) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.ChangeFrom;
}

/// <summary>SMFIR_REPLBODY: one chunk of the new body.</summary>
public sealed record ReplaceBodyReply(ReadOnlyMemory<byte> Chunk) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.ReplaceBody;
}

/// <summary>The milter's OPTNEG reply: version, actions and protocol flags it takes, and optionally the macros it
/// wants at each stage (replacing the MTA's configured lists for those stages).</summary>
public sealed record NegotiationReply(uint Version, MilterActions Actions, ProtocolOptions Protocol,
    IReadOnlyDictionary<MacroStage, string> MacroRequests) : MilterReply
{
    /// <inheritdoc />
    public override byte Code => ReplyCode.OptionNegotiation;
}
