using Microsoft.Extensions.Logging;

namespace Milter.Protocol.Server;

/// <summary>Log lines of the listener.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "listening on {Endpoint}")]
    public static partial void Listening(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "stopped listening on {Endpoint}; {Sessions} session(s) still open")]
    public static partial void Stopping(ILogger logger, string endpoint, int sessions);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "{Sessions} session(s) did not finish within {Timeout}; aborting them")]
    public static partial void DrainTimedOut(ILogger logger, int sessions, TimeSpan timeout);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "removed stale socket {Path} left by an earlier run")]
    public static partial void RemovedStaleSocket(ILogger logger, string path);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "not listening on {Endpoint}: {Reason} (the machine does not have this address; the other addresses are served)")]
    public static partial void AddressUnavailable(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "could not remove socket {Path}: {Reason}")]
    public static partial void CannotRemoveSocket(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 210, Level = LogLevel.Error, Message = "accepting a connection on {Endpoint} failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "milter session {SessionId} ended by an unexpected error")]
    public static partial void SessionFailed(ILogger logger, Exception exception, long sessionId);

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "connection limit {Limit} reached: new connections wait in the listen queue until a session ends")]
    public static partial void ConnectionLimitReached(ILogger logger, int limit);

    [LoggerMessage(EventId = 221, Level = LogLevel.Information, Message = "connection limit {Limit} no longer reached: {Sessions} session(s) open, no connection waiting")]
    public static partial void ConnectionLimitCleared(ILogger logger, int limit, int sessions);
}
