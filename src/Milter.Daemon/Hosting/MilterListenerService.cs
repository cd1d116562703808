using Microsoft.Extensions.Hosting;
using Milter.Protocol.Server;

namespace Milter.Daemon.Hosting;

/// <summary>
/// Ties the milter server to the host's lifetime: Program binds it once the host runs (so a busy port is
/// reported plainly at start-up, with the signal handlers already in place) and it is drained when the host
/// stops (SIGTERM, SIGINT).
/// </summary>
internal sealed class MilterListenerService(MilterServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync();
}
