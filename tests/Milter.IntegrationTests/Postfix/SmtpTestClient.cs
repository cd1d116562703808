using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Milter.IntegrationTests.Postfix;

/// <summary>
/// A minimal SMTP client: one session, any number of messages, every reply code checked.
/// No pipelining, so each read sees exactly the reply to the command just written.
/// </summary>
public sealed class SmtpTestClient : IAsyncDisposable
{
    /// <summary>Longer than Postfix's milter_command_timeout (30 s), so Postfix's own answer wins that race.</summary>
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(60);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private SmtpTestClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        // Replies are ASCII; Latin-1 keeps any stray 8-bit byte visible instead of failing.
        _reader = new StreamReader(_stream, Encoding.Latin1);
    }

    public static async Task<SmtpTestClient> ConnectAsync(int port, CancellationToken cancellationToken = default)
    {
        var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync("127.0.0.1", port, cancellationToken);
            var client = new SmtpTestClient(tcp);
            await client.ExpectAsync("(greeting)", 220, cancellationToken);
            return client;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends a command and returns the reply text if its code is <paramref name="expectedCode"/>.</summary>
    public async Task<string> CommandAsync(string command, int expectedCode, CancellationToken cancellationToken = default)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"), cancellationToken);
        return await ExpectAsync(command, expectedCode, cancellationToken);
    }

    /// <summary>
    /// Sends one message after DATA's 354: line endings normalised to CRLF, lines starting with a dot
    /// doubled, then the terminating dot. Returns the final reply (250 ... queued as ID).
    /// </summary>
    public async Task<string> SendDataAsync(string message, CancellationToken cancellationToken = default)
    {
        await CommandAsync("DATA", 354, cancellationToken);
        // Not ReplaceLineEndings: that would also break lines at U+0085/U+2028 inside 8-bit test content.
        var lines = message.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines[^1].Length == 0)
        {
            lines = lines[..^1]; // the message's final newline ends its last line; it is no empty line
        }
        var data = new StringBuilder();
        foreach (var line in lines)
        {
            data.Append(line.StartsWith('.') ? "." : "").Append(line).Append("\r\n");
        }
        data.Append(".\r\n");
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(data.ToString()), cancellationToken);
        return await ExpectAsync("(end of DATA)", 250, cancellationToken);
    }

    private async Task<string> ExpectAsync(string command, int expectedCode, CancellationToken cancellationToken)
    {
        var (code, reply) = await ReadReplyAsync(command, cancellationToken);
        if (code != expectedCode)
        {
            throw new SmtpReplyException(command, code, reply);
        }
        return reply;
    }

    /// <summary>Reads one reply: "250-..." lines continue it, "250 ..." ends it.</summary>
    private async Task<(int Code, string Text)> ReadReplyAsync(string command, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(ReplyTimeout);
        var text = new StringBuilder();
        try
        {
            while (true)
            {
                var line = await _reader.ReadLineAsync(timeoutSource.Token)
                    ?? throw new IOException($"SMTP server closed the connection while we waited for the reply to `{command}`; so far: {text}");
                text.Append(line).Append('\n');
                if (line.Length < 4 || line[3] != '-')
                {
                    if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new IOException($"malformed SMTP reply to `{command}`: {text}");
                    }
                    return (code, text.ToString().TrimEnd('\n'));
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no SMTP reply to `{command}` within {ReplyTimeout.TotalSeconds:0} s; so far: {text}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
