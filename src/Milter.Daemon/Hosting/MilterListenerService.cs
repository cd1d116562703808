using Microsoft.Extensions.Hosting;
using Milter.Protocol.Server;

namespace Milter.Daemon.Hosting;

/// <summary>
/// Ties an already listening milter server to the host's lifetime: the server is bound before the host starts
/// (so a busy port is reported plainly at start-up) and drained when the host stops (SIGTERM, SIGINT).
/// </summary>
internal sealed class MilterListenerService(MilterServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync();
}
