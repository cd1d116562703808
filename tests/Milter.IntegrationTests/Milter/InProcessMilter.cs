using System.Collections.Concurrent;
using System.Net;
using Milter.Protocol.Server;

namespace Milter.IntegrationTests.Milter;

/// <summary>A <see cref="MilterServer"/> with <see cref="HeaderStampingHandler"/> on 127.0.0.1 and a free port.</summary>
internal sealed class InProcessMilter : IAsyncDisposable
{
    private readonly MilterServer _server;

    public InProcessMilter()
    {
        _server = new MilterServer(new IPEndPoint(IPAddress.Loopback, 0), () =>
        {
            var handler = new HeaderStampingHandler(Seen);
            Handlers.Enqueue(handler);
            return handler;
        });
        _server.Start();
        Port = ((IPEndPoint)_server.LocalEndPoint).Port;
    }

    public int Port { get; }

    /// <summary>Every message the milter finished, in order.</summary>
    public ConcurrentQueue<HeaderStampingHandler.SeenMessage> Seen { get; } = new();

    /// <summary>One handler per milter connection Postfix opened.</summary>
    public ConcurrentQueue<HeaderStampingHandler> Handlers { get; } = new();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
