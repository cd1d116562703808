using Milter.Daemon.Metrics;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Dns;

/// <summary>
/// Key look-up results shared by every session of the daemon, kept for their DNS time to live. Found and NotFound
/// answers are kept; temporary failures never are (the next message should try again). Concurrent look-ups of a
/// name that is not cached share one query. Names are compared case-insensitively, as DNS compares them.
/// </summary>
internal sealed class KeyRecordCache
{
    /// <summary>Enough for the signing domains a busy relay sees in a TTL, small enough not to matter (~ a few MB).</summary>
    public const int DefaultCapacity = 10_000;

    private readonly TimeProvider _timeProvider;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Task<KeyLookupResult>> _inFlight = new(StringComparer.OrdinalIgnoreCase);

    public KeyRecordCache(TimeProvider timeProvider, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _timeProvider = timeProvider;
        _capacity = capacity;
    }

    /// <summary>Entries held, expired ones included until they are swept.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>
    /// Returns the cached result for <paramref name="name"/>, joins a query already running for it, or runs
    /// <paramref name="fetch"/>. The query itself is not cancelled by <paramref name="cancellationToken"/> (other
    /// callers may be waiting for it; it is bounded by the DNS timeout); only this caller's wait is.
    /// </summary>
    public Task<KeyLookupResult> GetOrFetchAsync(string name, Func<Task<CacheableAnswer>> fetch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(fetch);

        TaskCompletionSource<KeyLookupResult> query;
        lock (_gate)
        {
            if (_entries.TryGetValue(name, out var entry))
            {
                if (entry.ExpiresAt > _timeProvider.GetTimestamp())
                {
                    DaemonMetrics.Current?.KeyCacheHit();
                    return Task.FromResult(entry.Result);
                }

                _entries.Remove(name);
            }

            if (_inFlight.TryGetValue(name, out var running))
            {
                DaemonMetrics.Current?.KeyCacheHit();
                return running.WaitAsync(cancellationToken);
            }

            // Continuations run elsewhere so that completing the query never runs a waiter's code under our lock
            // or on the thread that stores the result.
            query = new TaskCompletionSource<KeyLookupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            _inFlight.Add(name, query.Task);
        }

        DaemonMetrics.Current?.KeyCacheMiss();
        _ = RunQueryAsync(name, fetch, query);
        return query.Task.WaitAsync(cancellationToken);
    }

    private async Task RunQueryAsync(string name, Func<Task<CacheableAnswer>> fetch, TaskCompletionSource<KeyLookupResult> query)
    {
        CacheableAnswer answer;
        try
        {
            answer = await fetch();
        }
        catch (Exception ex)
        {
            // Nothing is stored; the next look-up starts afresh. Waiters see the same exception.
            DaemonMetrics.Current?.DnsError();
            lock (_gate)
            {
                _inFlight.Remove(name);
            }

            query.SetException(ex);
            return;
        }

        if (answer.Result.Status == KeyLookupStatus.TemporaryFailure)
        {
            DaemonMetrics.Current?.DnsError();
        }

        lock (_gate)
        {
            // Stored and removed from the in-flight table in one step, so a new look-up sees one or the other.
            if (answer.Result.Status != KeyLookupStatus.TemporaryFailure && answer.TimeToLive > TimeSpan.Zero)
            {
                Store(name, answer);
            }

            _inFlight.Remove(name);
        }

        query.SetResult(answer.Result);
    }

    private void Store(string name, CacheableAnswer answer)
    {
        var now = _timeProvider.GetTimestamp();
        if (_entries.Count >= _capacity && !_entries.ContainsKey(name))
        {
            MakeRoom(now);
        }

        var ticks = (long)Math.Min(answer.TimeToLive.TotalSeconds * _timeProvider.TimestampFrequency, long.MaxValue - now);
        _entries[name] = new Entry(answer.Result, now + ticks);
    }

    // Called only when full, and frees a tenth of the capacity at once, so the sort is paid once per many inserts
    // rather than on every insert into a full cache.
    private void MakeRoom(long now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.Remove(key);
            }
        }

        var target = _capacity - Math.Max(1, _capacity / 10);
        if (_entries.Count <= target)
        {
            return;
        }

        // Those closest to expiry go first: they are the oldest answers or the ones their owners wanted kept least.
        var victims = _entries.OrderBy(e => e.Value.ExpiresAt).Take(_entries.Count - target).Select(e => e.Key).ToList();
        foreach (var key in victims)
        {
            _entries.Remove(key);
        }
    }

    private readonly record struct Entry(KeyLookupResult Result, long ExpiresAt);
}
