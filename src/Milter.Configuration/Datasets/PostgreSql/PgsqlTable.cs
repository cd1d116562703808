using System.Collections.Concurrent;
using Npgsql;

namespace Milter.Configuration.Datasets.PostgreSql;

/// <summary>
/// One dsn: table, read key by key and cached: <c>SELECT keycol, datacol... FROM table WHERE keycol = ANY(keys)</c>,
/// several datacols joined with ':'. Keys are compared as text and exactly, as OpenDKIM compares them (callers lower-case
/// what OpenDKIM lower-cases: a sender's domain, a client's host name). A cached entry, found or
/// not found, is answered from memory at once; once older than <see cref="PgsqlServer.CacheTtl"/>, or named by a
/// notification, it is read again in the background and the old value is served meanwhile, also for as long as the
/// database is unreachable. Only a key not cached waits for the database; if it cannot be reached the look-up
/// throws <see cref="DatasetUnavailableException"/>.
/// </summary>
public sealed class PgsqlTable
{
    /// <summary>The <c>backend</c> label of dkim_milter_dataset_lookups_total for the queries of this table.</summary>
    private const string MetricsBackend = "pgsql";

    private readonly PgsqlServer _server;
    private readonly string _select;
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _refreshing = new(StringComparer.Ordinal);
    private int _trimming;

    internal PgsqlTable(PgsqlServer server, PgsqlDsn dsn)
    {
        _server = server;
        Dsn = dsn;
        _select = $"SELECT {dsn.KeyColumn}::text, {string.Join(", ", dsn.DataColumns.Select(column => column + "::text"))} FROM {dsn.Table} WHERE {dsn.KeyColumn}::text = ANY(@keys)";
    }

    /// <summary>The dsn it was made from.</summary>
    public PgsqlDsn Dsn { get; }

    /// <summary>The server it reads from.</summary>
    public PgsqlServer Server => _server;

    /// <summary>How many keys are cached.</summary>
    public int Count => _cache.Count;

    /// <summary>
    /// Checks at start-up (and reload) that the table and columns exist. Returns null when fine, else the reason and
    /// whether it is an outage (the server cannot be reached: SoftStart may allow it) or a mistake in the dsn.
    /// </summary>
    public (string Reason, bool IsOutage)? Probe()
    {
        try
        {
            using var connection = _server.DataSource.OpenConnection();
            using var command = new NpgsqlCommand(_select + " LIMIT 0", connection);
            command.Parameters.AddWithValue("keys", Array.Empty<string>());
            using var reader = command.ExecuteReader();
            _server.ReportSuccess();
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            bool outage = PgsqlServer.IsOutage(ex);
            if (outage)
            {
                _server.ReportFailure(ex);
            }

            return (PgsqlServer.Reason(ex), outage);
        }
    }

    /// <summary>The value for <paramref name="key"/>, or null when the table has no such row.</summary>
    /// <exception cref="DatasetUnavailableException">Not cached, and the database cannot be reached.</exception>
    public string? Lookup(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return LookupMany([key])[0];
    }

    /// <summary>
    /// The row for <paramref name="key"/> as <paramref name="parse"/> makes it (from the key and the
    /// value), or null when the table has no such row. The result is kept with the cached row and returned as the same
    /// object until the row changes, so a cached key costs no parsing and no allocation; a parse that throws is not kept.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">Not cached, and the database cannot be reached.</exception>
    public T? Lookup<T>(string key, Func<string, string, T> parse)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(parse);
        if (!TryGetCached(key, PgsqlServer.Clock.GetTimestamp(), out var entry))
        {
            if (LookupMany([key])[0] is not { } value)
            {
                return null;
            }

            if (!_cache.TryGetValue(key, out entry) || !ReferenceEquals(entry.Value, value))
            {
                // Trimmed or replaced meanwhile: this answer is parsed for this caller only.
                return parse(key, value);
            }
        }

        if (entry.Value is null)
        {
            return null;
        }

        if (Volatile.Read(ref entry.Parsed) is T parsed)
        {
            return parsed;
        }

        // Two callers may parse the same row at once; either result serves.
        parsed = parse(key, entry.Value);
        Volatile.Write(ref entry.Parsed, parsed);
        return parsed;
    }

    /// <summary>The values for several keys at once (one query for those not cached), in the same order.</summary>
    /// <exception cref="DatasetUnavailableException">Some key is not cached, and the database cannot be reached.</exception>
    public string?[] LookupMany(IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var values = new string?[keys.Count];
        List<int>? missing = null;
        long now = PgsqlServer.Clock.GetTimestamp();
        for (int i = 0; i < keys.Count; i++)
        {
            if (TryGetCached(keys[i], now, out var entry))
            {
                values[i] = entry.Value;
            }
            else
            {
                (missing ??= []).Add(i);
            }
        }

        if (missing is null)
        {
            return values;
        }

        if (CachedOnlyLookups.Active)
        {
            throw CachedOnlyLookups.NotCached();
        }

        var wanted = missing.Select(i => keys[i]).Distinct(StringComparer.Ordinal).ToArray();
        if (_server.ShouldFailFast())
        {
            throw new DatasetUnavailableException($"{Dsn.Location} is unreachable and '{wanted[0]}' is not cached");
        }

        Dictionary<string, string> rows;
        try
        {
            rows = Query(wanted);
        }
        catch (Exception ex) when (PgsqlServer.IsOutage(ex))
        {
            DatasetLookups.Count(MetricsBackend, DatasetLookupResult.Error);
            _server.ReportFailure(ex);
            throw new DatasetUnavailableException($"{Dsn.Location} is unreachable ({PgsqlServer.Reason(ex)}) and '{wanted[0]}' is not cached", ex);
        }
        catch (PostgresException ex)
        {
            DatasetLookups.Count(MetricsBackend, DatasetLookupResult.Error);
            throw new DatasetUnavailableException($"{Dsn.Location}: {PgsqlServer.Reason(ex)}", ex);
        }

        // Counted per query (cache misses), which is what costs the database something.
        DatasetLookups.Count(MetricsBackend, rows.Count > 0 ? DatasetLookupResult.Found : DatasetLookupResult.NotFound);
        _server.ReportSuccess();
        Store(wanted, rows);
        foreach (int i in missing)
        {
            values[i] = rows.GetValueOrDefault(keys[i]);
        }

        return values;
    }

    /// <summary>The cached entry of a key, marked used; past its TTL or named by a notification it is read again in the background.</summary>
    private bool TryGetCached(string key, long now, out Entry entry)
    {
        if (!_cache.TryGetValue(key, out entry!))
        {
            return false;
        }

        entry.LastUsed = now;
        if (entry.Stale || PgsqlServer.Clock.GetElapsedTime(entry.ReadAt, now) > PgsqlServer.CacheTtl)
        {
            RefreshInBackground(key);
        }

        return true;
    }

    internal void MarkStale(string key)
    {
        if (_cache.TryGetValue(key, out var entry))
        {
            entry.Stale = true;
            RefreshInBackground(key);
        }
    }

    internal void MarkAllStale()
    {
        foreach (var entry in _cache.Values)
        {
            entry.Stale = true;
        }

        _ = Task.Run(() => RefreshExpiredAsync(_server.Stopping));
    }

    /// <summary>Reads again, in batches, every entry that is stale or older than the TTL; failures keep the old values.</summary>
    internal async Task RefreshExpiredAsync(CancellationToken cancellationToken)
    {
        long now = PgsqlServer.Clock.GetTimestamp();
        var due = _cache.Where(pair => pair.Value.Stale || PgsqlServer.Clock.GetElapsedTime(pair.Value.ReadAt, now) > PgsqlServer.CacheTtl)
            .Select(pair => pair.Key).ToList();
        foreach (var batch in due.Chunk(1000))
        {
            try
            {
                var rows = await QueryAsync(batch, cancellationToken).ConfigureAwait(false);
                _server.ReportSuccess();
                Store(batch, rows);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // The server was stopped (no configuration uses it): the cancellation, or its pool closing.
                return;
            }
            catch (Exception ex) when (PgsqlServer.IsOutage(ex) || ex is PostgresException)
            {
                _server.ReportFailure(ex);
                return;
            }
        }
    }

    private void RefreshInBackground(string key)
    {
        if (!_refreshing.TryAdd(key, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var rows = await QueryAsync([key], _server.Stopping).ConfigureAwait(false);
                _server.ReportSuccess();
                Store([key], rows);
            }
            catch (Exception) when (_server.Stopping.IsCancellationRequested)
            {
                // The server was stopped (no configuration uses it): nothing to refresh any more.
            }
            catch (Exception ex) when (PgsqlServer.IsOutage(ex) || ex is PostgresException)
            {
                // Keep serving the old value; the outage is logged once.
                _server.ReportFailure(ex);
            }
            finally
            {
                _refreshing.TryRemove(key, out _);
            }
        });
    }

    private void Store(IEnumerable<string> keys, Dictionary<string, string> rows)
    {
        long now = PgsqlServer.Clock.GetTimestamp();
        foreach (string key in keys)
        {
            var entry = new Entry(rows.GetValueOrDefault(key), now);
            if (_cache.TryGetValue(key, out var previous) && string.Equals(previous.Value, entry.Value, StringComparison.Ordinal))
            {
                // The row did not change: what was made of it stays the same object (a loaded key stays loaded).
                entry.Parsed = Volatile.Read(ref previous.Parsed);
            }

            _cache[key] = entry;
        }

        if (_cache.Count > PgsqlServer.CacheSize && Interlocked.Exchange(ref _trimming, 1) == 0)
        {
            try
            {
                // Drop the least recently used tenth below the bound, so trimming is rare.
                int target = PgsqlServer.CacheSize - PgsqlServer.CacheSize / 10;
                foreach (var pair in _cache.OrderBy(pair => pair.Value.LastUsed).Take(Math.Max(0, _cache.Count - target)).ToList())
                {
                    _cache.TryRemove(pair.Key, out _);
                }
            }
            finally
            {
                Volatile.Write(ref _trimming, 0);
            }
        }
    }

    private Dictionary<string, string> Query(string[] keys)
    {
        using var connection = _server.DataSource.OpenConnection();
        using var command = Command(connection, keys);
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            Add(rows, reader);
        }

        return rows;
    }

    private async Task<Dictionary<string, string>> QueryAsync(string[] keys, CancellationToken cancellationToken)
    {
        await using var connection = await _server.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, keys);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            Add(rows, reader);
        }

        return rows;
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, string[] keys)
    {
        var command = new NpgsqlCommand(_select, connection);
        command.Parameters.AddWithValue("keys", keys);
        return command;
    }

    private void Add(Dictionary<string, string> rows, NpgsqlDataReader reader)
    {
        if (reader.IsDBNull(0))
        {
            return;
        }

        string key = reader.GetString(0);
        var values = new string[Dsn.DataColumns.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = reader.IsDBNull(i + 1) ? "" : reader.GetString(i + 1);
        }

        // OpenDKIM takes the first row of several.
        rows.TryAdd(key, string.Join(':', values));
    }

    private sealed class Entry(string? value, long readAt)
    {
        public string? Value { get; } = value;

        public long ReadAt { get; } = readAt;

        public long LastUsed { get; set; } = readAt;

        public bool Stale { get; set; }

        /// <summary>What <see cref="Lookup{T}"/> made of <see cref="Value"/>, or null until asked.</summary>
        public object? Parsed;
    }
}
