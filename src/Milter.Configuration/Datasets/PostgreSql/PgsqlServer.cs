using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Milter.Configuration.Datasets.PostgreSql;

/// <summary>
/// One PostgreSQL server (host, port, database, user) that dsn: datasets read from, shared by every dataset and
/// every configuration that names it (reloads keep the caches): its connection pool, whether it is reachable (one
/// log line when an outage starts, one when it ends), the LISTEN connection that hears change notifications, and the
/// periodic refresh of cached entries. <see cref="PgsqlRegistry"/> makes it and stops it when no configuration uses
/// it any more.
/// </summary>
public sealed partial class PgsqlServer : IDisposable
{
    /// <summary>The channel the daemon LISTENs on; the payload is a key (refresh it in every table) or empty (refresh all).</summary>
    public const string Channel = "dkim_milter";

    /// <summary>How often LISTEN is tried again on a standby (it may be promoted).</summary>
    private static readonly TimeSpan StandbyRetry = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, PgsqlTable> _tables = new(StringComparer.Ordinal);
    private readonly Lock _stateLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _loops = [];
    private int _started;
    private int _disposed;
    private bool _down;
    private long _downSince;
    private long _lastFailure;

    // Touched by the LISTEN loop only.
    private bool _standbyReported;

    internal PgsqlServer(PgsqlDsn dsn)
    {
        Name = dsn.Server;
        var builder = dsn.ConnectionSettings("dkim-milter");
        builder.Timeout = 3;
        builder.CommandTimeout = 5;
        builder.KeepAlive = 10;
        DataSource = NpgsqlDataSource.Create(builder);
        Stopping = _stopping.Token;
    }

    /// <summary>Where the daemon's log lines go (set once at start-up; nothing is logged before).</summary>
    public static ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>How long a cached entry is used before it is read again (in the background: the stale value is served meanwhile).</summary>
    public static TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>How many keys each table keeps cached (found and not found alike); the least recently used go first.</summary>
    public static int CacheSize { get; set; } = 100_000;

    /// <summary>The time source (tests may replace it).</summary>
    internal static TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>pgsql://user@host:port/db.</summary>
    public string Name { get; }

    internal NpgsqlDataSource DataSource { get; }

    /// <summary>Cancelled when the server is disposed: background work of its tables ends quietly.</summary>
    internal CancellationToken Stopping { get; }

    /// <summary>Its tables (the registry's view: a table is removed when no configuration uses it).</summary>
    internal IEnumerable<PgsqlTable> Tables => _tables.Values;

    /// <summary>True when no table is left.</summary>
    internal bool IsUnused => _tables.IsEmpty;

    /// <summary>True while the server is known to be unreachable.</summary>
    public bool IsDown
    {
        get
        {
            lock (_stateLock)
            {
                return _down;
            }
        }
    }

    private static ILogger Log => LoggerFactory.CreateLogger("Milter.Configuration.Datasets.PostgreSql");

    /// <summary>What tells servers apart: everything a connection depends on (the password included).</summary>
    internal static string KeyOf(PgsqlDsn dsn) => $"{dsn.Server}\n{dsn.Password}";

    /// <summary>This server's table a dsn names (one object per table and columns, kept until the registry removes it).</summary>
    internal PgsqlTable TableFor(PgsqlDsn dsn) => _tables.GetOrAdd(TableKeyOf(dsn), _ => new PgsqlTable(this, dsn));

    /// <summary>Forgets <paramref name="table"/> (no configuration uses it): notifications and refreshes skip it.</summary>
    internal void Remove(PgsqlTable table) => _tables.TryRemove(new KeyValuePair<string, PgsqlTable>(TableKeyOf(table.Dsn), table));

    /// <summary>
    /// Stops the LISTEN connection and the refresh loop, then closes the pool (idle connections at once, those in use
    /// when they are given back). In the background: the caller may be a message's thread. The registry calls it when
    /// no configuration uses the server any more.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        LogStopped(Log, Name);
        var loops = Volatile.Read(ref _loops);
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A loop stuck in a network call: closing the pool ends it too.
            }

            await DataSource.DisposeAsync().ConfigureAwait(false);
            _stopping.Dispose();
        });
    }

    private static string TableKeyOf(PgsqlDsn dsn) => $"{dsn.Table}\n{dsn.KeyColumn}\n{string.Join(',', dsn.DataColumns)}";

    /// <summary>True when a failed attempt was so recent that a new one would only add delay (fail fast while down).</summary>
    internal bool ShouldFailFast()
    {
        lock (_stateLock)
        {
            return _down && Clock.GetElapsedTime(_lastFailure) < TimeSpan.FromSeconds(2);
        }
    }

    internal void ReportFailure(Exception error)
    {
        lock (_stateLock)
        {
            _lastFailure = Clock.GetTimestamp();
            if (_down)
            {
                return;
            }

            _down = true;
            _downSince = _lastFailure;
        }

        int cached = _tables.Values.Sum(table => table.Count);
        LogOutage(Log, Name, Reason(error), cached);
    }

    internal void ReportSuccess()
    {
        TimeSpan outage;
        lock (_stateLock)
        {
            if (!_down)
            {
                return;
            }

            _down = false;
            outage = Clock.GetElapsedTime(_downSince);
        }

        LogRecovery(Log, Name, (long)outage.TotalSeconds);
        foreach (var table in _tables.Values)
        {
            // Notifications sent during the outage were lost: read everything cached again.
            table.MarkAllStale();
        }
    }

    internal static string Reason(Exception error) => error switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        NpgsqlException { InnerException: { } inner } => inner.Message,
        _ => error.Message,
    };

    /// <summary>True for errors that mean "cannot reach or use the server now", as opposed to a wrong table or column.</summary>
    internal static bool IsOutage(Exception error) => error switch
    {
        PostgresException postgres => !postgres.SqlState.StartsWith("42", StringComparison.Ordinal),
        NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or IOException => true,
        _ => false,
    };

    /// <summary>Starts the LISTEN connection and the refresh loop (once); they run until <see cref="Dispose"/>.</summary>
    internal void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        Volatile.Write(ref _loops, [Task.Run(() => ListenAsync(Stopping)), Task.Run(() => RefreshAsync(Stopping))]);
    }

    /// <summary>LISTEN on <see cref="Channel"/>; reconnects every 2 s while the server is down (and so notices when it is back).</summary>
    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var retry = TimeSpan.FromSeconds(2);
            try
            {
                await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, notification) => OnNotification(notification.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                ReportSuccess();
                if (_standbyReported)
                {
                    _standbyReported = false;
                    LogListening(Log, Name);
                }

                while (!cancellationToken.IsCancellationRequested)
                {
                    // The timeout makes a dead connection show up; keepalives make WaitAsync notice it too.
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped (the error is the cancellation, or the pool closing under it): not an outage.
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction)
            {
                // A hot standby refuses LISTEN ("cannot execute LISTEN during recovery") but answers queries: not an
                // outage. Changes then come through the periodic refresh; try again now and then, for a promotion.
                ReportSuccess();
                if (!_standbyReported)
                {
                    _standbyReported = true;
                    LogStandby(Log, Name, (long)CacheTtl.TotalSeconds);
                }

                retry = StandbyRetry;
            }
            catch (Exception ex) when (IsOutage(ex) || ex is InvalidOperationException)
            {
                ReportFailure(ex);
            }

            try
            {
                await Task.Delay(retry, Clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnNotification(string payload)
    {
        foreach (var table in _tables.Values)
        {
            if (payload.Length == 0 || payload == "*")
            {
                table.MarkAllStale();
            }
            else
            {
                table.MarkStale(payload);
            }
        }
    }

    /// <summary>The fallback when a notification is missed (no trigger, a lost connection): entries older than the TTL are read again.</summary>
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var period = TimeSpan.FromTicks(Math.Clamp(CacheTtl.Ticks / 2, TimeSpan.FromMilliseconds(500).Ticks, TimeSpan.FromSeconds(60).Ticks));
            try
            {
                await Task.Delay(period, Clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var table in _tables.Values)
            {
                await table.RefreshExpiredAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "database {Server} is a read-only standby: it cannot send change notifications (LISTEN), so changes made on the primary are read by the periodic refresh, within DatabaseCacheTTL ({Seconds} s) and half of it")]
    private static partial void LogStandby(ILogger logger, string server, long seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "database {Server} is no longer a standby: change notifications (LISTEN) are heard again")]
    private static partial void LogListening(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "database {Server} unreachable ({Reason}): signing continues with the {Cached} cached entries; look-ups not cached get On-InternalError until it is back")]
    private static partial void LogOutage(ILogger logger, string server, string reason, int cached);

    [LoggerMessage(Level = LogLevel.Information, Message = "database {Server} reachable again after {Seconds} s")]
    private static partial void LogRecovery(ILogger logger, string server, long seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "database {Server} no longer used by the configuration: its connections are closed")]
    private static partial void LogStopped(ILogger logger, string server);
}
