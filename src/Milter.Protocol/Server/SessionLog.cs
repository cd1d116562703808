using Microsoft.Extensions.Logging;

namespace Milter.Protocol.Server;

/// <summary>Log lines of milter sessions, with stable event ids. Peer mistakes are warnings, our bugs errors.</summary>
internal static partial class SessionLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "milter session {SessionId} from {Peer} started")]
    public static partial void SessionStarted(ILogger logger, long sessionId, string peer);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "milter session {SessionId} from {Peer} ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, long sessionId, string peer, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "milter session {SessionId}: negotiated version {Version}, actions 0x{Actions:X}, protocol 0x{Protocol:X} (MTA offered version {OfferedVersion}, actions 0x{OfferedActions:X}, protocol 0x{OfferedProtocol:X})")]
    public static partial void Negotiated(ILogger logger, long sessionId, uint version, uint actions, uint protocol, uint offeredVersion, uint offeredActions, uint offeredProtocol);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "milter session {SessionId} from {Peer} closed: protocol error ({Error}): {Reason}")]
    public static partial void ProtocolError(ILogger logger, long sessionId, string peer, ProtocolError error, string reason);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "milter session {SessionId}: handler answered {Decision} to {Step}, for which no reply was negotiated; it answers the next step the MTA awaits a reply to")]
    public static partial void ReplyDeferred(ILogger logger, long sessionId, string decision, string step);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information, Message = "milter session {SessionId} from {Peer} closed: no complete command from the MTA for {Timeout} {Where}")]
    public static partial void IdleTimeout(ILogger logger, long sessionId, string peer, TimeSpan timeout, string where);

    [LoggerMessage(EventId = 113, Level = LogLevel.Information, Message = "milter session {SessionId} from {Peer} closed: the MTA has not read our replies for {Timeout} {Where}")]
    public static partial void WriteTimeout(ILogger logger, long sessionId, string peer, TimeSpan timeout, string where);

    [LoggerMessage(EventId = 120, Level = LogLevel.Error, Message = "milter session {SessionId}: handler failed at {Step}; answering tempfail")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, long sessionId, string step);

    [LoggerMessage(EventId = 121, Level = LogLevel.Error, Message = "milter session {SessionId} from {Peer} closed by an internal error")]
    public static partial void InternalError(ILogger logger, Exception exception, long sessionId, string peer);
}
