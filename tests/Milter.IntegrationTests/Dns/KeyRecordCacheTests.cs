using Microsoft.Extensions.Time.Testing;
using Milter.Daemon.Dns;
using Milter.Dkim.Verification;

namespace Milter.IntegrationTests.Dns;

/// <summary>The cache on its own: bounds, eviction, failing fetches, waiters that give up.</summary>
public sealed class KeyRecordCacheTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly Dictionary<string, int> _fetches = [];

    private Func<Task<CacheableAnswer>> Fetch(string name, TimeSpan ttl) => () =>
    {
        _fetches[name] = _fetches.GetValueOrDefault(name) + 1;
        return Task.FromResult(new CacheableAnswer(KeyLookupResult.Found($"v=DKIM1; p={name}"), ttl));
    };

    private Task<KeyLookupResult> Get(KeyRecordCache cache, string name, int ttlSeconds = 300) =>
        cache.GetOrFetchAsync(name, Fetch(name, TimeSpan.FromSeconds(ttlSeconds)), CancellationToken.None);

    [Fact]
    public async Task A_full_cache_drops_expired_entries_first()
    {
        var cache = new KeyRecordCache(_clock, capacity: 3);
        await Get(cache, "short", ttlSeconds: 10);
        await Get(cache, "a");
        await Get(cache, "b");
        _clock.Advance(TimeSpan.FromSeconds(11));

        await Get(cache, "c");
        await Get(cache, "a");
        await Get(cache, "b");
        await Get(cache, "c");

        Assert.Equal(3, cache.Count);
        Assert.Equal(1, _fetches["a"]);
        Assert.Equal(1, _fetches["b"]);
        Assert.Equal(1, _fetches["c"]);
    }

    [Fact]
    public async Task A_full_cache_of_live_entries_drops_those_closest_to_expiry()
    {
        var cache = new KeyRecordCache(_clock, capacity: 10);
        for (var i = 0; i < 10; i++)
        {
            await Get(cache, $"n{i}", ttlSeconds: 100 + i);
        }

        await Get(cache, "newest", ttlSeconds: 1000);

        Assert.True(cache.Count <= 10);
        await Get(cache, "newest");
        await Get(cache, "n9");
        Assert.Equal(1, _fetches["newest"]);
        Assert.Equal(1, _fetches["n9"]);
        await Get(cache, "n0");
        Assert.Equal(2, _fetches["n0"]);
    }

    [Fact]
    public async Task The_cache_never_grows_past_its_capacity()
    {
        var cache = new KeyRecordCache(_clock, capacity: 100);

        for (var i = 0; i < 1000; i++)
        {
            await Get(cache, $"name{i}");
            Assert.True(cache.Count <= 100);
        }
    }

    [Fact]
    public async Task A_failing_fetch_reaches_every_waiter_and_is_not_kept()
    {
        var cache = new KeyRecordCache(_clock);
        var gate = new TaskCompletionSource<CacheableAnswer>();
        var first = cache.GetOrFetchAsync("n", () => gate.Task, CancellationToken.None);
        var second = cache.GetOrFetchAsync("n", () => throw new InvalidOperationException("must share the first fetch"), CancellationToken.None);

        gate.SetException(new InvalidOperationException("bug"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second);
        Assert.Equal(0, cache.Count);
        Assert.Equal(KeyLookupStatus.Found, (await Get(cache, "n")).Status);
    }

    [Fact]
    public async Task A_waiter_giving_up_does_not_cancel_the_query_for_the_others()
    {
        var cache = new KeyRecordCache(_clock);
        var gate = new TaskCompletionSource<CacheableAnswer>();
        using var impatient = new CancellationTokenSource();
        var leaving = cache.GetOrFetchAsync("n", () => gate.Task, impatient.Token);
        var staying = cache.GetOrFetchAsync("n", () => gate.Task, CancellationToken.None);

        await impatient.CancelAsync();
        gate.SetResult(new CacheableAnswer(KeyLookupResult.Found("v=DKIM1; p=x"), TimeSpan.FromSeconds(60)));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        Assert.Equal("v=DKIM1; p=x", Assert.Single((await staying).Records));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task A_temporary_failure_is_never_kept_whatever_its_TTL()
    {
        var cache = new KeyRecordCache(_clock);

        await cache.GetOrFetchAsync(
            "n",
            () => Task.FromResult(new CacheableAnswer(KeyLookupResult.TemporaryFailure("SERVFAIL"), TimeSpan.FromHours(1))),
            CancellationToken.None);

        Assert.Equal(0, cache.Count);
    }
}
