using System.Net;
using System.Net.Sockets;

namespace Milter.Protocol.Tests.TestSupport;

/// <summary>A bare TCP connection to a milter for sending broken bytes, knowing its own port (the milter's peer).</summary>
internal sealed class RawConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>How the milter names this connection in its log lines.</summary>
    public string Peer => $"inet:{((IPEndPoint)_socket.LocalEndPoint!).Port}@127.0.0.1";

    public static async Task<RawConnection> OpenAsync(EndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return new RawConnection(socket);
    }

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public async Task<byte[]> ReadAsync(int count)
    {
        var buffer = new byte[count];
        await _stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(SessionHarness.Timeout);
        return buffer;
    }

    /// <summary>Everything until the milter closes; fails if it does not close within the timeout.</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        using var cancel = new CancellationTokenSource(SessionHarness.Timeout);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await _stream.ReadAsync(buffer, cancel.Token);
                if (n == 0)
                {
                    return received.ToArray();
                }

                received.Write(buffer, 0, n);
            }
        }
        catch (IOException)
        {
            // A reset is a close too (the milter closed with our bytes unread).
            return received.ToArray();
        }
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
