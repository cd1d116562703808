using System.Collections.Concurrent;
using System.Net;

namespace Milter.IntegrationTests.Operations;

/// <summary>
/// SIGHUP and SIGUSR1 under live traffic: every message is answered and signed throughout; a good new
/// configuration is used by the messages after it, a broken one is refused with its diagnostics while signing
/// goes on with the old one.
/// </summary>
public sealed class ReloadTests : IDisposable
{
    private const int SigHup = 1;
    private const int SigUsr1 = 10;
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(30);
    private readonly OperationsRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Good_and_broken_reloads_under_live_traffic_never_fail_a_message()
    {
        var (daemon, port) = await _rig.StartOnFreePortAsync(port => $"inet:{port}@127.0.0.1");
        var endPoint = OperationsRig.Loopback(port);
        await using var traffic = new Traffic(endPoint, senders: 4);

        // 1. A good reload (SIGHUP): the SigningTable now picks the Ed25519 key.
        await traffic.WaitForMoreAsync(20);
        _rig.UseSelector("ed");
        daemon.Signal(SigHup);
        await daemon.WaitForOutputAsync("configuration reloaded", ReloadTimeout);
        await traffic.WaitForSelectorAsync("ed");

        // 2. Broken ones: refused, each mistake logged with file and line; signing goes on with "ed".
        //    (a) SIGUSR1, as Debian's ExecReload sends it: the SigningTable names a key the KeyTable lacks.
        int before = traffic.Count;
        _rig.UseSelector("missing");
        daemon.Signal(SigUsr1);
        await daemon.WaitForOutputAsync("missing._domainkey.example.com", ReloadTimeout);
        await daemon.WaitForOutputAsync("reload refused", ReloadTimeout);
        Assert.Contains($"reload: {_rig.Path("SigningTable")}: configuration error at line 1", daemon.Output, StringComparison.Ordinal);
        //    (b) SIGHUP: a misspelt option in the file.
        _rig.UseSelector("ed");
        File.AppendAllText(_rig.ConfigPath, "Canonicalisation relaxed/relaxed\n");
        daemon.Signal(SigHup);
        await daemon.WaitForOutputAsync($"reload: {_rig.ConfigPath}: configuration error at line 4: unrecognized parameter", ReloadTimeout);
        Assert.Contains("still running with the previous configuration", daemon.Output, StringComparison.Ordinal);
        await traffic.WaitForMoreAsync(20);
        Assert.All(traffic.SelectorsSince(before), selector => Assert.Equal("ed", selector));

        // 3. Fixed again: back to RSA.
        _rig.WriteConfig($"inet:{port}@127.0.0.1");
        _rig.UseSelector("mail");
        daemon.Signal(SigHup);
        await daemon.WaitForOutputAsync("configuration reloaded from", ReloadTimeout);
        await traffic.WaitForSelectorAsync("mail", after: traffic.Count);

        var failures = await traffic.StopAsync();
        Assert.Empty(failures);
        Assert.True(traffic.Count > 60, $"{traffic.Count} messages");
        Assert.Equal(0, await daemon.StopAsync(OperationsRig.StopTimeout));
    }

    [Fact]
    public async Task A_reload_that_changes_the_socket_says_a_restart_is_needed_and_keeps_listening()
    {
        var (daemon, port) = await _rig.StartOnFreePortAsync(port => $"inet:{port}@127.0.0.1");

        _rig.WriteConfig($"inet:{port + 1}@127.0.0.1");
        daemon.Signal(SigHup);
        await daemon.WaitForOutputAsync("configuration reloaded", ReloadTimeout);

        Assert.Contains($"reload: Socket ({_rig.ConfigPath}:1) changed; restart dkim-milter to apply it", daemon.Output, StringComparison.Ordinal);
        Assert.Equal("mail", await OperationsRig.SignAsync(OperationsRig.Loopback(port)));
    }

    /// <summary>Several senders sending messages back to back, each on its own connection, until stopped.</summary>
    private sealed class Traffic : IAsyncDisposable
    {
        private readonly ConcurrentQueue<(int Sequence, string Selector)> _signed = new();
        private readonly ConcurrentQueue<string> _failures = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _senders;
        private int _sequence;

        public Traffic(EndPoint endPoint, int senders)
        {
            _senders = Enumerable.Range(0, senders).Select(_ => Task.Run(() => SendLoopAsync(endPoint))).ToArray();
        }

        public int Count => Volatile.Read(ref _sequence);

        public IEnumerable<string> SelectorsSince(int sequence) =>
            _signed.Where(entry => entry.Sequence > sequence).Select(entry => entry.Selector);

        public async Task WaitForMoreAsync(int messages)
        {
            int target = Count + messages;
            await WaitUntilAsync(() => _signed.Count(entry => entry.Sequence > 0) >= target, $"{messages} more messages");
        }

        /// <summary>Waits until a message started after <paramref name="after"/> is signed with the selector.</summary>
        public Task WaitForSelectorAsync(string selector, int after = 0) =>
            WaitUntilAsync(() => _signed.Any(entry => entry.Sequence > after && entry.Selector == selector), $"a signature with s={selector}");

        public async Task<IReadOnlyList<string>> StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_senders);
            return _failures.ToList();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await StopAsync();
            }

            _stop.Dispose();
        }

        private async Task WaitUntilAsync(Func<bool> condition, string what)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!condition())
            {
                Assert.True(_failures.IsEmpty, $"failed while waiting for {what}: {string.Join("; ", _failures)}");
                Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what} ({Count} sent)");
                await Task.Delay(20);
            }
        }

        private async Task SendLoopAsync(EndPoint endPoint)
        {
            while (!_stop.IsCancellationRequested)
            {
                int sequence = Interlocked.Increment(ref _sequence);
                try
                {
                    string selector = await OperationsRig.SignAsync(endPoint, $"Q{sequence:D6}");
                    _signed.Enqueue((sequence, selector));
                }
                catch (Exception ex)
                {
                    _failures.Enqueue($"message {sequence}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }
    }
}
