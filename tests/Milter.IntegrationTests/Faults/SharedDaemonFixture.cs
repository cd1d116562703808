namespace Milter.IntegrationTests.Faults;

/// <summary>One verbose daemon (session start and end logged) for a whole test class; stopped after it.</summary>
public sealed class SharedDaemonFixture : IAsyncLifetime
{
    private FaultDaemon? _daemon;

    internal FaultDaemon Daemon => _daemon ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _daemon = await FaultDaemon.StartAsync();

    public Task DisposeAsync()
    {
        _daemon?.Dispose();
        return Task.CompletedTask;
    }
}
