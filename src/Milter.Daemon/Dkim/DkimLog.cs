using Microsoft.Extensions.Logging;

namespace Milter.Daemon.Dkim;

/// <summary>
/// Per-message log lines, worded as OpenDKIM words them (administrators grep for these): each starts with the
/// MTA's queue id (macro <c>i</c>).
/// </summary>
internal static partial class DkimLog
{
    [LoggerMessage(EventId = 100, Message = "{JobId}: DKIM-Signature field added (s={Selector}, d={Domain})")]
    public static partial void SignatureAdded(ILogger logger, LogLevel level, string jobId, string selector, string domain);

    [LoggerMessage(EventId = 101, Message = "{JobId}: DKIM verification successful")]
    public static partial void VerificationSuccessful(ILogger logger, LogLevel level, string jobId);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "{JobId}: {Reason}")]
    public static partial void Why(ILogger logger, string jobId, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{JobId}: external host {Client} attempted to send as {Domain}")]
    public static partial void ExternalHost(ILogger logger, string jobId, string client, string domain);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "{JobId}: error loading key '{KeyName}': {Reason}")]
    public static partial void KeyUnusable(ILogger logger, string jobId, string keyName, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "{JobId}: signature generation error: {Reason}")]
    public static partial void SigningFailed(ILogger logger, Exception exception, string jobId, string reason);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "{JobId}: verification error: {Reason}")]
    public static partial void VerificationFailed(ILogger logger, Exception exception, string jobId, string reason);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "{JobId}: {Results}")]
    public static partial void SignatureResults(ILogger logger, string jobId, string results);

    [LoggerMessage(EventId = 108, Message = "{JobId}: {Problem}")]
    public static partial void VerificationProblem(ILogger logger, LogLevel level, string jobId, string problem);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "{JobId}: can't determine message sender; accepting")]
    public static partial void NoSender(ILogger logger, string jobId);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "{JobId}: {Action} ({Reason})")]
    public static partial void ActionTaken(ILogger logger, string jobId, string action, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "{JobId}: too much header data (over {Maximum} bytes, MaximumHeaders); {Action} per On-Security")]
    public static partial void TooMuchHeaderData(ILogger logger, string jobId, long maximum, string action);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "{JobId}: removed Authentication-Results field claiming {AuthservId}")]
    public static partial void ForgedResultsRemoved(ILogger logger, string jobId, string authservId);

    // Not per message (no job id): once per daemon, see InexactHeadersWarning.
    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "the MTA offered milter protocol version {Version} without exact header values (HDR_LEADSPC): it removes the space after each header field's colon and we rebuild it, which cannot be exact for a field with no space after the colon (\"Subject:text\") or with a space before a tab or a fold; {Consequence}. Fix: {Fix}")]
    public static partial void InexactHeaders(ILogger logger, uint version, string consequence, string fix);
}
