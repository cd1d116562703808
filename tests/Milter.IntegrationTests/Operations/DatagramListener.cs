using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Milter.IntegrationTests.Operations;

/// <summary>
/// A unix datagram socket owned by the test, standing in for /dev/log (rsyslog's or journald's) or systemd's
/// NOTIFY_SOCKET: it collects every datagram the daemon sends.
/// </summary>
internal sealed class DatagramListener : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly ConcurrentQueue<string> _received = new();
    private readonly Thread _reader;

    public DatagramListener(string path)
    {
        Path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        // Anyone may write, as to /dev/log: the daemon may have dropped to nobody.
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("666", 8));
        _reader = new Thread(Read) { IsBackground = true };
        _reader.Start();
    }

    public string Path { get; }

    public IReadOnlyList<string> Received => _received.ToList();

    /// <summary>Waits for a datagram matching <paramref name="match"/> and returns it.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_received.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no datagram with {what}; received:\n{string.Join("\n", _received)}");
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        File.Delete(Path);
    }

    private void Read()
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                int length = _socket.Receive(buffer);
                _received.Enqueue(Encoding.UTF8.GetString(buffer, 0, length));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Disposed: the test is over.
        }
    }
}
