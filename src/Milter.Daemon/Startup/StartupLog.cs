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
}
