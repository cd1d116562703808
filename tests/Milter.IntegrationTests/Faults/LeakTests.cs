using Xunit.Abstractions;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// 10,000 broken sessions (every kind in <see cref="BrokenSessions"/>, 8 at a time) against one daemon, measured
/// after 2,000 and after 10,000: no session left open (status line), open descriptors back to the idle count, and
/// neither the managed heap (after the full collection the status line forces) nor resident memory growing
/// beyond a stated bound between the two. Then a message is still signed.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class LeakTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Parallel = 8;
    private const int FirstRound = 2000;
    private const int Total = 10000;
    // Descriptors the runtime may open on its own meanwhile (a timer, an extra epoll thread's pipe).
    private const int DescriptorSlack = 8;
    // Resident memory may grow while the GC and the allocator settle (6 MiB on the reference machine between 2,000
    // and 10,000); a leak would grow with the sessions: 8 KiB per broken session is 64 MiB over 8,000, and a
    // leaked read buffer (128 KiB) per session 1 GB.
    private const long ResidentGrowthBoundKiB = 64 * 1024;

    // Live managed data after a full collection steps up while the shared array pool fills (2 MiB steps of pooled
    // 128 KiB read buffers; it can keep up to 32 arrays of a size per core) and then stays flat (measured flat
    // from 12,000 to 30,000 broken sessions). Bound: what the pool may keep, plus 4 MiB.
    private static readonly long HeapGrowthBoundKiB = 4 * 1024 + Environment.ProcessorCount * 32 * 128L;

    private FaultDaemon? _daemon;

    private FaultDaemon Daemon => _daemon!;

    public async Task InitializeAsync() => _daemon = await FaultDaemon.StartAsync(verbose: false);

    public Task DisposeAsync()
    {
        _daemon?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Ten_thousand_broken_sessions_leak_no_session_descriptor_or_memory()
    {
        // Warm up every path once (JIT, pools, the thread pool's threads) before taking the idle count.
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("mail", await Daemon.SignAsync($"4Warm{i:D3}"));
        }

        await BrokenSessions.RunAsync(Daemon.EndPoint, 0, BrokenSessions.Kinds.Count * 4, Parallel);
        var idle = await Daemon.WaitForNoSessionsAsync();
        int idleDescriptors = Daemon.OpenDescriptors();
        long accepted = idle.Accepted;
        output.WriteLine($"idle after warming up: {idleDescriptors} descriptors, {Daemon.ResidentKiB()} KiB resident; {idle.Line}");

        await BrokenSessions.RunAsync(Daemon.EndPoint, 0, FirstRound, Parallel);
        var first = await MeasureAsync(FirstRound);
        await BrokenSessions.RunAsync(Daemon.EndPoint, FirstRound, Total - FirstRound, Parallel);
        var last = await MeasureAsync(Total);

        Assert.Equal(0, first.Status.Open);
        Assert.Equal(0, last.Status.Open);
        Assert.True(last.Status.Accepted >= accepted + Total, $"only {last.Status.Accepted - accepted} connections accepted");
        Assert.True(first.Descriptors <= idleDescriptors + DescriptorSlack, $"{first.Descriptors} descriptors open after {FirstRound} broken sessions, {idleDescriptors} when idle");
        Assert.True(last.Descriptors <= idleDescriptors + DescriptorSlack, $"{last.Descriptors} descriptors open after {Total} broken sessions, {idleDescriptors} when idle");
        Assert.True(last.Status.HeapKiB - first.Status.HeapKiB <= HeapGrowthBoundKiB,
            $"managed heap grew from {first.Status.HeapKiB} KiB to {last.Status.HeapKiB} KiB between {FirstRound} and {Total} broken sessions");
        Assert.True(last.ResidentKiB - first.ResidentKiB <= ResidentGrowthBoundKiB,
            $"resident memory grew from {first.ResidentKiB} KiB to {last.ResidentKiB} KiB between {FirstRound} and {Total} broken sessions");
        Daemon.AssertRunning();
        Assert.DoesNotContain(Daemon.Lines(), line => line.Contains(" ERR ", StringComparison.Ordinal));
        Assert.Equal("mail", await Daemon.SignAsync());
    }

    private async Task<Measurement> MeasureAsync(int brokenSoFar)
    {
        var status = await Daemon.WaitForNoSessionsAsync();
        var measurement = new Measurement(status, Daemon.OpenDescriptors(), Daemon.ResidentKiB());
        output.WriteLine($"after {brokenSoFar} broken sessions: {measurement.Descriptors} descriptors, {measurement.ResidentKiB} KiB resident, {status.HeapKiB} KiB managed heap; {status.Line}");
        return measurement;
    }

    private sealed record Measurement(FaultDaemon.DaemonStatus Status, int Descriptors, long ResidentKiB);
}
