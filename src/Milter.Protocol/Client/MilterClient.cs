using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Client;

/// <summary>
/// The MTA side of the milter protocol, behaving like Postfix: it offers a profile's version and masks, leaves
/// out the steps the milter declined (and DATA below version 4, UNKNOWN below 3), does not wait for replies the
/// milter negotiated away, sends a MACRO packet before a command when given macros, and splits bodies into
/// 65535-byte chunks. Tests, benchmarks and tools drive milters through it.
/// </summary>
public sealed class MilterClient : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly int _maxPacketLength;
    private NegotiationReply? _negotiated;

    /// <summary>Wraps an open connection to a milter.</summary>
    public MilterClient(Stream stream, int maxPacketLength = MilterFraming.DefaultMaxPacketLength)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        _maxPacketLength = maxPacketLength;
    }

    /// <summary>Postfix's largest body chunk.</summary>
    public const int MaxBodyChunk = 65535;

    /// <summary>The milter's OPTNEG reply; null before <see cref="NegotiateAsync"/>.</summary>
    public NegotiationReply? Negotiated => _negotiated;

    /// <summary>Connects to a milter over TCP or a unix-domain socket.</summary>
    public static async Task<MilterClient> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new MilterClient(new NetworkStream(socket, ownsSocket: true));
    }

    /// <summary>Sends OPTNEG with <paramref name="profile"/>'s offer and returns the milter's answer.</summary>
    public async Task<NegotiationReply> NegotiateAsync(MtaProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        await SendAsync(new OptionNegotiationCommand(profile.Version, profile.Actions, profile.Protocol), cancellationToken).ConfigureAwait(false);
        var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        _negotiated = reply as NegotiationReply
            ?? throw new MilterProtocolException(ProtocolError.UnexpectedReply, $"expected an OPTNEG reply, got {reply}");
        return _negotiated;
    }

    /// <summary>CONNECT.</summary>
    public Task<MilterReply> ConnectAsync(string hostname, ConnectionFamily family, ushort port, string address,
        IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync(new ConnectCommand(hostname, family, port, address), ProtocolOptions.NoConnect, ProtocolOptions.NoReplyConnect, macros, cancellationToken);

    /// <summary>HELO.</summary>
    public Task<MilterReply> HeloAsync(string hostname, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync(new HeloCommand(hostname), ProtocolOptions.NoHelo, ProtocolOptions.NoReplyHelo, macros, cancellationToken);

    /// <summary>MAIL: sender then ESMTP arguments.</summary>
    public Task<MilterReply> MailAsync(IReadOnlyList<string> arguments, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync(new MailCommand(arguments), ProtocolOptions.NoMail, ProtocolOptions.NoReplyMail, macros, cancellationToken);

    /// <summary>RCPT: recipient then ESMTP arguments.</summary>
    public Task<MilterReply> RecipientAsync(IReadOnlyList<string> arguments, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync(new RecipientCommand(arguments), ProtocolOptions.NoRecipient, ProtocolOptions.NoReplyRecipient, macros, cancellationToken);

    /// <summary>DATA; like Postfix, not sent below protocol version 4.</summary>
    public Task<MilterReply> DataAsync(IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        NegotiatedVersion < 4
            ? Task.FromResult<MilterReply>(SimpleReply.Continue)
            : StepAsync(new DataCommand(), ProtocolOptions.NoData, ProtocolOptions.NoReplyData, macros, cancellationToken);

    /// <summary>UNKNOWN; like Postfix, not sent below protocol version 3.</summary>
    public Task<MilterReply> UnknownAsync(string commandLine, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        NegotiatedVersion < 3
            ? Task.FromResult<MilterReply>(SimpleReply.Continue)
            : StepAsync(new UnknownCommand(commandLine), ProtocolOptions.NoUnknown, ProtocolOptions.NoReplyUnknown, macros, cancellationToken);

    /// <summary>HEADER with the value exactly as it goes on the wire.</summary>
    public Task<MilterReply> HeaderAsync(string name, ReadOnlyMemory<byte> wireValue, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync(new HeaderCommand(name, wireValue), ProtocolOptions.NoHeaders, ProtocolOptions.NoReplyHeader, macros, cancellationToken);

    /// <summary>HEADER from a message-level value (text after the colon, CRLF folding), converted as Postfix
    /// does: bare-LF folding, one leading space removed unless HDR_LEADSPC was negotiated.</summary>
    public Task<MilterReply> MessageHeaderAsync(string name, ReadOnlySpan<byte> rawValue, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        HeaderAsync(name, HeaderValues.ToWire(rawValue, NegotiatedProtocol.HasFlag(ProtocolOptions.HeaderLeadingSpace)), macros, cancellationToken);

    /// <summary>End of headers.</summary>
    public Task<MilterReply> EndOfHeadersAsync(IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync(new EndOfHeadersCommand(), ProtocolOptions.NoEndOfHeaders, ProtocolOptions.NoReplyEndOfHeaders, macros, cancellationToken);

    /// <summary>One BODY packet (at most the packet limit; Postfix never sends more than 65535 bytes).</summary>
    public Task<MilterReply> BodyChunkAsync(ReadOnlyMemory<byte> chunk, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default) =>
        StepAsync(new BodyCommand(new ReadOnlySequence<byte>(chunk)), ProtocolOptions.NoBody, ProtocolOptions.NoReplyBody, macros, cancellationToken);

    /// <summary>
    /// The body in 65535-byte chunks, stopping early at SKIP or at a non-continue reply, which is returned.
    /// </summary>
    public async Task<MilterReply> BodyAsync(ReadOnlyMemory<byte> body, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        while (!body.IsEmpty)
        {
            int length = Math.Min(body.Length, MaxBodyChunk);
            var reply = await BodyChunkAsync(body[..length], macros, cancellationToken).ConfigureAwait(false);
            if (reply.Code == ReplyCode.Skip)
            {
                return SimpleReply.Continue;
            }

            if (reply.Code != ReplyCode.Continue)
            {
                return reply;
            }

            body = body[length..];
        }

        return SimpleReply.Continue;
    }

    /// <summary>End of message: collects modifications until the final reply.</summary>
    public async Task<EndOfMessageResult> EndOfMessageAsync(IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        await SendWithMacrosAsync(new EndOfMessageCommand(ReadOnlySequence<byte>.Empty), macros, cancellationToken).ConfigureAwait(false);
        var modifications = new List<MilterReply>();
        int progress = 0;
        while (true)
        {
            var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            if (reply.Code == ReplyCode.Progress)
            {
                progress++;
            }
            else if (reply.IsFinal)
            {
                return new EndOfMessageResult(modifications, reply, progress);
            }
            else
            {
                modifications.Add(reply);
            }
        }
    }

    /// <summary>ABORT (no reply).</summary>
    public Task AbortAsync(CancellationToken cancellationToken = default) => SendAsync(new AbortCommand(), cancellationToken);

    /// <summary>QUIT (no reply).</summary>
    public Task QuitAsync(CancellationToken cancellationToken = default) => SendAsync(new QuitCommand(), cancellationToken);

    /// <summary>QUIT_NC: a new CONNECT follows on this connection (no reply).</summary>
    public Task QuitNewConnectionAsync(CancellationToken cancellationToken = default) => SendAsync(new QuitNewConnectionCommand(), cancellationToken);

    /// <summary>
    /// Sends a whole RFC 5322 message after the envelope: its headers (unfolded into fields, values converted
    /// as Postfix does), end of headers, the body with CRLF line ends, and end of message. Stops at the first
    /// reply that is not continue. <paramref name="queueId"/>, if given, is sent as macro <c>i</c> before each
    /// content command, as Postfix does.
    /// </summary>
    public async Task<MessageResult> SendContentAsync(ReadOnlyMemory<byte> message, string? queueId = null, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<KeyValuePair<string, string>>? macros = queueId is null ? null : [new("i", queueId)];
        var (headers, body) = RawMessage.Split(message.Span);
        foreach (var (name, rawValue) in headers)
        {
            var reply = await MessageHeaderAsync(name, rawValue, macros, cancellationToken).ConfigureAwait(false);
            if (reply.Code != ReplyCode.Continue)
            {
                return new MessageResult(reply, "HEADER", []);
            }
        }

        var eoh = await EndOfHeadersAsync(macros, cancellationToken).ConfigureAwait(false);
        if (eoh.Code != ReplyCode.Continue)
        {
            return new MessageResult(eoh, "EOH", []);
        }

        var bodyReply = await BodyAsync(body, macros, cancellationToken).ConfigureAwait(false);
        if (bodyReply.Code != ReplyCode.Continue)
        {
            return new MessageResult(bodyReply, "BODY", []);
        }

        var end = await EndOfMessageAsync(macros, cancellationToken).ConfigureAwait(false);
        return new MessageResult(end.Final, "EOM", end.Modifications);
    }

    /// <summary>Sends any command as is and flushes; reads nothing.</summary>
    public async Task SendAsync(MilterCommand command, CancellationToken cancellationToken = default)
    {
        CommandCodec.Write(_output, command);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends raw bytes (for tests of malformed input).</summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        await _output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one reply packet. Throws <see cref="EndOfStreamException"/> if the milter closed.</summary>
    public async Task<MilterReply> ReadReplyAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (MilterFraming.TryReadPacket(ref buffer, _maxPacketLength, out byte code, out var payload))
            {
                var reply = ReplyCodec.Decode(code, payload);
                _input.AdvanceTo(buffer.Start);
                return reply;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new EndOfStreamException(buffer.IsEmpty
                    ? "the milter closed the connection"
                    : "the milter closed the connection inside a packet");
            }
        }
    }

    /// <summary>True if the milter closes the connection within <paramref name="timeout"/> without sending anything more.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            var result = await _input.ReadAsync(cancel.Token).ConfigureAwait(false);
            bool closed = result.IsCompleted && result.Buffer.IsEmpty;
            _input.AdvanceTo(result.Buffer.Start);
            return closed;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private uint NegotiatedVersion => _negotiated?.Version ?? throw new InvalidOperationException("negotiate first");

    private ProtocolOptions NegotiatedProtocol => _negotiated?.Protocol ?? throw new InvalidOperationException("negotiate first");

    private async Task<MilterReply> StepAsync(MilterCommand command, ProtocolOptions skipFlag, ProtocolOptions noReplyFlag,
        IReadOnlyList<KeyValuePair<string, string>>? macros, CancellationToken cancellationToken)
    {
        var protocol = NegotiatedProtocol;
        if (protocol.HasFlag(skipFlag))
        {
            return SimpleReply.Continue;
        }

        await SendWithMacrosAsync(command, macros, cancellationToken).ConfigureAwait(false);
        if (protocol.HasFlag(noReplyFlag))
        {
            return SimpleReply.Continue;
        }

        while (true)
        {
            var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            if (reply.Code == ReplyCode.Progress)
            {
                continue;
            }

            if (!reply.IsFinal)
            {
                throw new MilterProtocolException(ProtocolError.UnexpectedReply,
                    $"the milter sent {reply} in reply to {CommandCode.Describe(command.Code)}; modifications are only allowed at end of message");
            }

            return reply;
        }
    }

    private async Task SendWithMacrosAsync(MilterCommand command, IReadOnlyList<KeyValuePair<string, string>>? macros, CancellationToken cancellationToken)
    {
        // Like Postfix: the MACRO packet and its command leave in one write.
        if (macros is not null)
        {
            CommandCodec.Write(_output, new MacroCommand(command.Code, macros));
        }

        CommandCodec.Write(_output, command);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
