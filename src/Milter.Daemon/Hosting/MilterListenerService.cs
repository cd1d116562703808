using Microsoft.Extensions.Hosting;
using Milter.Protocol.Server;

namespace Milter.Daemon.Hosting;

/// <summary>
/// Ties the milter server to the host's lifetime. The server is already bound (while the daemon still had root);
/// starting the host starts accepting, after the host installed its SIGTERM handler and before it reports ready
/// to systemd, so READY=1 means "connections are served". Stopping the host (SIGTERM, SIGINT) drains the server.
/// </summary>
internal sealed class MilterListenerService(MilterServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        server.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync();
}
