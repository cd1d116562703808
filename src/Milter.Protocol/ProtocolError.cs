namespace Milter.Protocol;

/// <summary>Why a milter session was ended by a protocol error. Each is the peer's fault, never ours.</summary>
public enum ProtocolError
{
    /// <summary>A packet's length field was zero (a packet holds at least its command byte).</summary>
    ZeroLength,
    /// <summary>A packet's length field exceeded the configured cap.</summary>
    PacketTooLarge,
    /// <summary>The command byte is not a milter command.</summary>
    UnknownCommand,
    /// <summary>A payload ended before a required field (a string without its NUL, a short integer...).</summary>
    TruncatedPayload,
    /// <summary>A payload was well framed but its content is invalid (bad family, trailing bytes...).</summary>
    MalformedPayload,
    /// <summary>A command arrived in a state where it is not allowed.</summary>
    OutOfPhase,
    /// <summary>The peer offered a protocol version below 2.</summary>
    UnsupportedVersion,
    /// <summary>The MTA does not offer an action the handler requires (<see cref="Handling.MilterNegotiation.RequiredActions"/>).</summary>
    RequiredActionsNotOffered,
    /// <summary>The connection ended in the middle of a packet.</summary>
    TruncatedPacket,
    /// <summary>A reply from the milter could not be understood (MTA side).</summary>
    UnexpectedReply,
}
