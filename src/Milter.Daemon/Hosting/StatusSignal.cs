using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Milter.Protocol.Server;

namespace Milter.Daemon.Hosting;

/// <summary>
/// SIGUSR2 logs one status line: open sessions, connections waiting at the connection limit, connections served
/// since start, resident memory and the managed heap. It answers "is the milter stuck or leaking?" on a live
/// system (<c>kill -USR2 $(cat /run/opendkim/opendkim.pid)</c>, or <c>systemctl kill -s USR2 dkim-milter</c>).
/// The heap figure is measured after a full garbage collection, so it is live data rather than garbage not yet
/// collected; with the milter's small heap that costs milliseconds, and only when asked.
/// </summary>
internal sealed class StatusSignal : IDisposable
{
    /// <summary>SIGUSR2 on Linux (x86_64 and aarch64); .NET takes raw signal numbers cast to PosixSignal.</summary>
    private const PosixSignal SigUsr2 = (PosixSignal)12;

    private readonly MilterServer _server;
    private readonly ILogger _log;
    private readonly PosixSignalRegistration _registration;
    private int _running;

    public StatusSignal(MilterServer server, ILogger log)
    {
        _server = server;
        _log = log;
        _registration = PosixSignalRegistration.Create(SigUsr2, OnSignal);
    }

    public void Dispose() => _registration.Dispose();

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        // Signals arriving while a report is being made are answered by that report.
        if (Interlocked.Exchange(ref _running, 1) == 0)
        {
            _ = Task.Run(Report);
        }
    }

    private void Report()
    {
        try
        {
            var status = _server.Status;
            long heap = GC.GetTotalMemory(forceFullCollection: true);
            StatusLog.Status(_log, status.OpenSessions, status.WaitingForSlot,
                status.MaxConnections == 0 ? "none" : status.MaxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture),
                status.Accepted, Environment.WorkingSet / 1024, heap / 1024);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }
}

/// <summary>The status line.</summary>
internal static partial class StatusLog
{
    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "status: {Open} session(s) open, {Waiting} connection(s) waiting at the connection limit ({Limit}), {Accepted} accepted since start; {RssKiB} KiB resident, {HeapKiB} KiB managed heap")]
    public static partial void Status(ILogger logger, int open, int waiting, string limit, long accepted, long rssKiB, long heapKiB);
}
