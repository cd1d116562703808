using Microsoft.Extensions.Logging;

namespace Milter.Daemon.Startup;

/// <summary>Start-up log lines.</summary>
internal static partial class StartupLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "dkim-milter starting (pid {Pid}, configuration {ConfigPath}, socket {Socket})")]
    public static partial void Starting(ILogger logger, int pid, string configPath, string socket);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Background is on but dkim-milter never forks: it runs in the foreground (run it under systemd)")]
    public static partial void NoFork(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Critical, Message = "cannot listen on {Socket}: {Reason}")]
    public static partial void CannotListen(ILogger logger, string socket, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "running as {Account}")]
    public static partial void RunningAs(ILogger logger, string account);

    [LoggerMessage(EventId = 7, Level = LogLevel.Critical, Message = "cannot start: {Reason}")]
    public static partial void CannotStart(ILogger logger, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "PID file {Path} named process {Pid}, which is still running (another milter?); replaced it")]
    public static partial void PidFileOfLiveProcess(ILogger logger, string path, int pid);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "{Problem}")]
    public static partial void CannotRemovePidFile(ILogger logger, string problem);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "{Option} {Seconds} ({File}:{Line}) is shorter than Postfix's smtpd_timeout (300 s): a connection Postfix still means to use may be closed, and its message then gets Postfix's milter_default_action")]
    public static partial void TimeoutShorterThanPostfix(ILogger logger, string option, int seconds, string file, int line);
}
