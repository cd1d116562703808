using System.Buffers;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Commands;

/// <summary>A command from the MTA, decoded. <see cref="CommandCodec"/> reads and writes them.</summary>
public abstract record MilterCommand
{
    /// <summary>The command byte.</summary>
    public abstract byte Code { get; }
}

/// <summary>SMFIC_OPTNEG: what the MTA offers.</summary>
public sealed record OptionNegotiationCommand(uint Version, MilterActions Actions, ProtocolOptions Protocol) : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.OptionNegotiation;
}

/// <summary>SMFIC_MACRO: macro values for the command <see cref="ForCommand"/> that follows.</summary>
public sealed record MacroCommand(byte ForCommand, IReadOnlyList<KeyValuePair<string, string>> Macros) : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Macro;
}

/// <summary>SMFIC_CONNECT: the SMTP client. <see cref="Port"/> and <see cref="Address"/> are absent (0, "") for
/// family <see cref="ConnectionFamily.Unknown"/>.</summary>
public sealed record ConnectCommand(string Hostname, ConnectionFamily Family, ushort Port, string Address) : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Connect;
}

/// <summary>SMFIC_HELO.</summary>
public sealed record HeloCommand(string Hostname) : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Helo;
}

/// <summary>SMFIC_MAIL: the sender (first) then ESMTP arguments. Postfix's smtpd sends the sender in angle
/// brackets; its local submission path sends it bare, and the null sender as an empty string.</summary>
public sealed record MailCommand(IReadOnlyList<string> Arguments) : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Mail;
}

/// <summary>SMFIC_RCPT: the recipient (first) then ESMTP arguments.</summary>
public sealed record RecipientCommand(IReadOnlyList<string> Arguments) : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Recipient;
}

/// <summary>SMFIC_DATA.</summary>
public sealed record DataCommand : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Data;
}

/// <summary>SMFIC_UNKNOWN: the SMTP command line the MTA did not know.</summary>
public sealed record UnknownCommand(string Line) : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Unknown;
}

/// <summary>SMFIC_HEADER, exactly as on the wire: the value has bare-LF folding and, unless HDR_LEADSPC was
/// negotiated, one leading space removed. <see cref="Handling.MilterHeader"/> is the message-level view.</summary>
public sealed record HeaderCommand(string Name, ReadOnlyMemory<byte> Value) : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Header;
}

/// <summary>SMFIC_EOH.</summary>
public sealed record EndOfHeadersCommand : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.EndOfHeaders;
}

/// <summary>SMFIC_BODY. When decoded by a session, <see cref="Chunk"/> points into the receive buffer and is
/// valid only until the handler's task for it completes.</summary>
public sealed record BodyCommand(ReadOnlySequence<byte> Chunk) : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Body;
}

/// <summary>SMFIC_BODYEOB. libmilter treats any payload as a last body chunk; Postfix sends none.</summary>
public sealed record EndOfMessageCommand(ReadOnlySequence<byte> FinalChunk) : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.EndOfMessage;
}

/// <summary>SMFIC_ABORT.</summary>
public sealed record AbortCommand : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Abort;
}

/// <summary>SMFIC_QUIT.</summary>
public sealed record QuitCommand : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.Quit;
}

/// <summary>SMFIC_QUIT_NC.</summary>
public sealed record QuitNewConnectionCommand : MilterCommand
{
    /// <inheritdoc />
    public override byte Code => CommandCode.QuitNewConnection;
}
