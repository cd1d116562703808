using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// One MTA-side connection that can misbehave: it speaks the protocol through a <see cref="MilterClient"/> up to
/// any point, then sends raw bytes, stops, closes (with FIN or, abortively, with RST), or just waits.
/// <see cref="LocalPort"/> is what the daemon logs as its peer, so a test finds its own session's log lines.
/// </summary>
internal sealed class FaultPeer : IAsyncDisposable
{
    private readonly Socket _socket;

    private FaultPeer(Socket socket)
    {
        _socket = socket;
        LocalPort = socket.LocalEndPoint is IPEndPoint local ? local.Port : 0;
        Client = new MilterClient(new NetworkStream(socket, ownsSocket: true));
    }

    public MilterClient Client { get; }

    /// <summary>The connection's own port (kept: it is needed after the close, to find the session's log lines); 0 on a unix socket.</summary>
    public int LocalPort { get; }

    /// <summary>How the daemon names this connection in its log ("inet:PORT@127.0.0.1").</summary>
    public string LogName => $"inet:{LocalPort}@127.0.0.1";

    public static async Task<FaultPeer> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new FaultPeer(socket);
    }

    /// <summary>The bytes of one command packet, as an MTA would send it.</summary>
    public static byte[] Packet(MilterCommand command)
    {
        var writer = new ArrayBufferWriter<byte>();
        CommandCodec.Write(writer, command);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A packet with any command byte and payload (for unknown commands).</summary>
    public static byte[] RawPacket(byte command, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(payload.Length + 1));
        bytes[4] = command;
        payload.CopyTo(bytes.AsSpan(5));
        return bytes;
    }

    /// <summary>Sends bytes as they are, bypassing the client's buffering.</summary>
    public Task SendRawAsync(ReadOnlyMemory<byte> bytes) => _socket.SendAsync(bytes, SocketFlags.None).AsTask();

    /// <summary>Closes with RST instead of FIN (SO_LINGER 0), as a crashed or killed MTA process's kernel may.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
