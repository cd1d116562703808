using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Milter.Daemon.Logging;

/// <summary>
/// Writes each log event as one RFC 3164 datagram to the local syslog socket (<c>/dev/log</c>), the way
/// syslog(3) does: <c>&lt;PRI&gt;Mmm dd hh:mm:ss ident[pid]: message</c>. The local daemon (rsyslog or
/// journald) adds the host name. If the socket is missing or the daemon restarts, we reconnect on the next
/// event; a message that cannot be delivered is dropped rather than blocking mail.
/// </summary>
internal sealed class SyslogSink : ILogEventSink, IDisposable
{
    /// <summary>RFC 3164 suggests 1024 bytes; rsyslog takes 8 KiB by default. Longer messages are cut.</summary>
    private const int MaxDatagram = 8192;

    private static readonly MessageTemplateTextFormatter MessageFormatter = new("{Message:l}", CultureInfo.InvariantCulture);

    private readonly string _path;
    private readonly int _facility;
    private readonly string _ident;
    private readonly int _pid = Environment.ProcessId;
    private readonly Lock _lock = new();
    private Socket? _socket;

    public SyslogSink(int facility, string ident, string path = "/dev/log")
    {
        _facility = facility;
        _ident = ident;
        _path = path;
    }

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var datagram = Format(logEvent);
        lock (_lock)
        {
            for (int attempt = 0; attempt < 2; attempt++)
            {
                try
                {
                    _socket ??= Connect();
                    _socket.Send(datagram);
                    return;
                }
                catch (SocketException)
                {
                    _socket?.Dispose();
                    _socket = null;
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }

    internal byte[] Format(LogEvent logEvent)
    {
        int priority = _facility * 8 + Severity(logEvent.Level);
        var time = logEvent.Timestamp.ToLocalTime();
        // Strings as they are (no quotes around property values), as the OpenDKIM-format lines need.
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        MessageFormatter.Format(logEvent, writer);
        string message = writer.ToString();
        if (logEvent.Exception is { } exception)
        {
            message += $": {exception.GetType().Name}: {exception.Message}";
        }

        // syslog lines are single lines.
        message = message.Replace('\n', ' ').Replace('\r', ' ');
        string line = string.Create(CultureInfo.InvariantCulture,
            $"<{priority}>{time.ToString("MMM", CultureInfo.InvariantCulture)} {time.Day,2} {time:HH:mm:ss} {_ident}[{_pid}]: {message}");
        var bytes = Encoding.UTF8.GetBytes(line);
        return bytes.Length <= MaxDatagram ? bytes : bytes[..MaxDatagram];
    }

    private Socket Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(_path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static int Severity(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,       // LOG_CRIT
        LogEventLevel.Error => 3,       // LOG_ERR
        LogEventLevel.Warning => 4,     // LOG_WARNING
        LogEventLevel.Information => 6, // LOG_INFO
        _ => 7,                         // LOG_DEBUG
    };
}
