using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Server;

/// <summary>
/// Serves one milter connection: reads packets from the transport, keeps the phase and macros, calls the handler
/// and writes its replies. Replies are flushed when no complete packet is left to process, so each step's
/// replies (and all of end of message's) leave in one write. Any protocol error ends this session only.
/// </summary>
public sealed class MilterSession
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly IMilterHandler _handler;
    private readonly MilterSessionOptions _options;
    private readonly ILogger _logger;
    private readonly MilterContext _context;
    private readonly ArrayBufferWriter<byte> _pending = new(256);
    private SessionPhase _phase = SessionPhase.AwaitingNegotiation;
    private bool _messageOpen;
    // Set by RunAsync: only a cancellation through it ends the session; a handler's own timeout is its failure.
    private CancellationToken _abort;
    private bool _unflushed;
    // True once a handler step ran in the current SMTP session: CloseAsync is owed.
    private bool _handlerSawSession;
    // A decision other than continue made at a step the MTA expects no reply to (a handler failure, most often):
    // it is the answer to the next step that is owed one, so the MTA still learns of it.
    private MilterDecision? _deferred;
    // Set when a write of our replies outlasted the read timeout (the MTA stopped reading) and was cancelled.
    private volatile bool _writeStalled;

    /// <summary>Creates a session over a transport.</summary>
    public MilterSession(IDuplexPipe transport, IMilterHandler handler, long sessionId, string peer, MilterSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _input = transport.Input;
        _output = transport.Output;
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _options = options ?? new MilterSessionOptions();
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _context = new MilterContext(sessionId, peer, SendProgressAsync);
    }

    /// <summary>The state handlers see.</summary>
    public MilterContext Context => _context;

    /// <summary>
    /// Runs until QUIT, end of stream, a protocol error, an idle timeout (<see cref="MilterSessionOptions.IdleTimeout"/>
    /// outside a message, <see cref="MilterSessionOptions.MessageIdleTimeout"/> inside one), <paramref name="abort"/>, or
    /// <paramref name="stopping"/> while no message is in progress. Never throws for the peer's faults.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping = default, CancellationToken abort = default)
    {
        _abort = abort;
        SessionLog.SessionStarted(_logger, _context.SessionId, _context.Peer);
        string reason = "connection closed by the MTA";
        try
        {
            reason = await ServeAsync(stopping, abort).ConfigureAwait(false);
        }
        catch (MilterProtocolException ex)
        {
            SessionLog.ProtocolError(_logger, _context.SessionId, _context.Peer, ex.Error, ex.Message);
            _options.Observer?.ProtocolError(ex.Error);
            reason = "protocol error";
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested || stopping.IsCancellationRequested)
        {
            reason = "daemon shutting down";
        }
        catch (IOException ex)
        {
            reason = $"connection lost: {ex.Message}";
        }
        catch (TimeoutException) when (_writeStalled)
        {
            string where = DescribeWhere();
            SessionLog.WriteTimeout(_logger, _context.SessionId, _context.Peer, CurrentTimeout, where);
            reason = $"write timeout {where}";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SessionLog.InternalError(_logger, ex, _context.SessionId, _context.Peer);
            reason = "internal error";
        }
        finally
        {
            await FlushRemainingAsync().ConfigureAwait(false);
            await EndConnectionAsync().ConfigureAwait(false);
            await _input.CompleteAsync().ConfigureAwait(false);
            await CompleteOutputAsync().ConfigureAwait(false);
            SessionLog.SessionEnded(_logger, _context.SessionId, _context.Peer, reason);
        }
    }

    private async Task<string> ServeAsync(CancellationToken stopping, CancellationToken abort)
    {
        // When the wait for the next whole command began: only a dispatched command restarts it, not a read that
        // brought part of a packet, so a peer trickling bytes is timed out like a silent one.
        long waitStarted = Stopwatch.GetTimestamp();
        while (true)
        {
            if (_unflushed)
            {
                await FlushAsync(abort).ConfigureAwait(false);
            }

            // Between messages a stopping daemon may close at once; inside one it finishes the message first.
            bool betweenMessages = !PhaseRules.InMessage(_phase);
            if (betweenMessages && stopping.IsCancellationRequested)
            {
                return "daemon shutting down";
            }

            var timeout = betweenMessages ? _options.IdleTimeout : _options.MessageIdleTimeout;
            var remaining = timeout - Stopwatch.GetElapsedTime(waitStarted);
            if (remaining <= TimeSpan.Zero)
            {
                return TimedOut(timeout);
            }

            ReadResult result;
            try
            {
                using var readCancel = CancellationTokenSource.CreateLinkedTokenSource(abort, betweenMessages ? stopping : CancellationToken.None);
                readCancel.CancelAfter(remaining);
                result = await _input.ReadAsync(readCancel.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!abort.IsCancellationRequested && !(betweenMessages && stopping.IsCancellationRequested))
            {
                // Neither the daemon's stop nor its abort: the timer.
                return TimedOut(timeout);
            }

            var buffer = result.Buffer;
            bool quit = false;
            bool dispatched = false;
            try
            {
                while (!quit && MilterFraming.TryReadPacket(ref buffer, _options.MaxPacketLength, out byte command, out var payload))
                {
                    quit = !await DispatchAsync(command, payload, abort).ConfigureAwait(false);
                    dispatched = true;
                }
            }
            finally
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (quit)
            {
                await FlushAsync(abort).ConfigureAwait(false);
                return "QUIT";
            }

            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    MilterProtocolException.Throw(ProtocolError.TruncatedPacket,
                        $"connection closed inside a packet ({buffer.Length} byte(s) pending) {DescribePhase(_phase)}");
                }

                return PhaseRules.InMessage(_phase)
                    ? $"connection closed by the MTA inside a message ({DescribePhase(_phase)})"
                    : "connection closed by the MTA";
            }

            if (dispatched)
            {
                waitStarted = Stopwatch.GetTimestamp();
            }
        }
    }

    private string DescribeWhere() => PhaseRules.InMessage(_phase)
        ? $"inside a message ({DescribePhase(_phase)})"
        : $"between messages ({DescribePhase(_phase)})";

    private string TimedOut(TimeSpan timeout)
    {
        string where = DescribeWhere();
        SessionLog.IdleTimeout(_logger, _context.SessionId, _context.Peer, timeout, where);
        return $"idle timeout {where}";
    }

    /// <summary>Handles one packet; false when the connection is to close (QUIT).</summary>
    private async ValueTask<bool> DispatchAsync(byte code, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        var command = CommandCodec.Decode(code, payload);
        var next = PhaseRules.Next(_phase, code);
        if (next is null)
        {
            MilterProtocolException.Throw(ProtocolError.OutOfPhase, $"{CommandCode.Describe(code)} is not allowed {DescribePhase(_phase)}");
        }

        _phase = next.Value;
        switch (command)
        {
            case OptionNegotiationCommand offer:
                Negotiate(offer);
                return true;
            case MacroCommand macros:
                _context.Macros.Apply(macros);
                return true;
            case ConnectCommand connect:
                _context.Macros.ClearAfter(MacroStage.Connect);
                _context.Connection = connect;
                await StepAsync("CONNECT", ProtocolOptions.NoReplyConnect, false, () => _handler.ConnectAsync(_context, connect, cancellationToken)).ConfigureAwait(false);
                return true;
            case HeloCommand helo:
                _context.Macros.ClearAfter(MacroStage.Helo);
                _context.HeloName = helo.Hostname;
                await StepAsync("HELO", ProtocolOptions.NoReplyHelo, false, () => _handler.HeloAsync(_context, helo.Hostname, cancellationToken)).ConfigureAwait(false);
                return true;
            case MailCommand mail:
                _context.Macros.ClearAfter(MacroStage.MailFrom);
                await AbortOpenMessageAsync(cancellationToken).ConfigureAwait(false);
                _messageOpen = true;
                await StepAsync("MAIL", ProtocolOptions.NoReplyMail, true, () => _handler.MailFromAsync(_context, mail.Arguments, cancellationToken)).ConfigureAwait(false);
                return true;
            case RecipientCommand recipient:
                _context.Macros.ClearAfter(MacroStage.Recipient);
                // A rejected recipient does not end the transaction (libmilter's CT_IGNO).
                await StepAsync("RCPT", ProtocolOptions.NoReplyRecipient, false, () => _handler.RecipientAsync(_context, recipient.Arguments, cancellationToken)).ConfigureAwait(false);
                return true;
            case DataCommand:
                await StepAsync("DATA", ProtocolOptions.NoReplyData, true, () => _handler.DataAsync(_context, cancellationToken)).ConfigureAwait(false);
                return true;
            case UnknownCommand unknown:
                await StepAsync("UNKNOWN", ProtocolOptions.NoReplyUnknown, false, () => _handler.UnknownAsync(_context, unknown.Line, cancellationToken)).ConfigureAwait(false);
                return true;
            case HeaderCommand header:
            {
                var raw = HeaderValues.FromWire(header.Value.Span, _context.Negotiated!.HeaderLeadingSpace);
                var field = new MilterHeader(header.Name, raw);
                await StepAsync("HEADER", ProtocolOptions.NoReplyHeader, true, () => _handler.HeaderAsync(_context, field, cancellationToken)).ConfigureAwait(false);
                return true;
            }
            case EndOfHeadersCommand:
                await StepAsync("EOH", ProtocolOptions.NoReplyEndOfHeaders, true, () => _handler.EndOfHeadersAsync(_context, cancellationToken)).ConfigureAwait(false);
                return true;
            case BodyCommand body:
                await StepAsync("BODY", ProtocolOptions.NoReplyBody, true, () => _handler.BodyAsync(_context, body.Chunk, cancellationToken)).ConfigureAwait(false);
                return true;
            case EndOfMessageCommand end:
                await EndOfMessageAsync(end, cancellationToken).ConfigureAwait(false);
                return true;
            case AbortCommand:
                await AbortOpenMessageAsync(cancellationToken).ConfigureAwait(false);
                return true;
            case QuitNewConnectionCommand:
                _deferred = null;
                await EndConnectionAsync().ConfigureAwait(false);
                _context.ResetConnection();
                return true;
            default: // QuitCommand
                return false;
        }
    }

    private void Negotiate(OptionNegotiationCommand offer)
    {
        if (offer.Version < NegotiatedProtocol.LowestVersion)
        {
            MilterProtocolException.Throw(ProtocolError.UnsupportedVersion,
                $"MTA offered milter protocol version {offer.Version}; at least {NegotiatedProtocol.LowestVersion} is required");
        }

        var wanted = _handler.Negotiate(new NegotiationOffer(offer.Version, offer.Actions, offer.Protocol));
        var missing = wanted.RequiredActions & ~offer.Actions;
        if (missing != MilterActions.None)
        {
            MilterProtocolException.Throw(ProtocolError.RequiredActionsNotOffered,
                $"the MTA does not offer {missing} (offered 0x{(uint)offer.Actions:X}), which this milter needs; check the MTA's milter settings");
        }

        var macroRequests = wanted.MacroRequests ?? new Dictionary<MacroStage, string>();
        var actions = wanted.Actions | (macroRequests.Count > 0 ? MilterActions.SetMacroList : MilterActions.None);
        // Never claim more than was offered: a version or bit the MTA did not offer breaks the session (Postfix
        // answers a version-6 reply to a version-2 offer with "protocol version 6 conflict").
        actions &= offer.Actions;
        if ((actions & MilterActions.SetMacroList) == 0)
        {
            macroRequests = new Dictionary<MacroStage, string>();
        }

        var negotiated = new NegotiatedProtocol(Math.Min(offer.Version, NegotiatedProtocol.HighestVersion), actions, wanted.Protocol & offer.Protocol);
        _context.Negotiated = negotiated;
        SessionLog.Negotiated(_logger, _context.SessionId, negotiated.Version, (uint)negotiated.Actions, (uint)negotiated.Protocol,
            offer.Version, (uint)offer.Actions, (uint)offer.Protocol);
        Write(new NegotiationReply(negotiated.Version, negotiated.Actions, negotiated.Protocol, macroRequests));
    }

    /// <summary>
    /// Runs one handler step and answers it, unless its no-reply flag was negotiated. A decision other than
    /// continue at an unanswered step is not lost: the handler is not called again for the message, and the next
    /// step that is owed a reply answers with it (a failure while reading headers still tempfails the message).
    /// </summary>
    private async ValueTask StepAsync(string step, ProtocolOptions noReplyFlag, bool endsMessage, Func<ValueTask<MilterDecision>> invoke)
    {
        bool answered = !_context.Negotiated!.Has(noReplyFlag);
        if (_deferred is { } pending)
        {
            if (!answered)
            {
                return;
            }

            _deferred = null;
            Answer(pending, endsMessage);
            return;
        }

        var decision = await InvokeAsync(step, invoke).ConfigureAwait(false);
        if (decision == MilterDecision.Skip && !(step == "BODY" && _context.Negotiated!.Has(ProtocolOptions.Skip)))
        {
            decision = MilterDecision.Continue;
        }

        if (answered)
        {
            Answer(decision, endsMessage);
        }
        else if (decision != MilterDecision.Continue && decision != MilterDecision.Skip)
        {
            SessionLog.ReplyDeferred(_logger, _context.SessionId, decision.ToString(), step);
            _deferred = decision;
        }
    }

    private void Answer(MilterDecision decision, bool endsMessage)
    {
        Write(decision.Reply);
        // Like libmilter: a decision other than continue ends the transaction from the milter's side.
        if (endsMessage && decision.EndsTransaction && PhaseRules.InMessage(_phase))
        {
            _phase = SessionPhase.Connected;
            _options.Observer?.MessageDecided(decision, false);
        }
    }

    private async ValueTask EndOfMessageAsync(EndOfMessageCommand end, CancellationToken cancellationToken)
    {
        if (_deferred is { } pending)
        {
            _deferred = null;
            Write(pending.Reply);
            _options.Observer?.MessageDecided(pending, false);
            // The handler is not asked for an end of message it already refused, but it must learn that the message
            // is over (IMilterHandler: every message ends with end of message or abort).
            await AbortOpenMessageAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // libmilter hands any payload of BODYEOB to the body callback first.
        if (!end.FinalChunk.IsEmpty)
        {
            var bodyDecision = await InvokeAsync("BODY", () => _handler.BodyAsync(_context, end.FinalChunk, cancellationToken)).ConfigureAwait(false);
            if (bodyDecision != MilterDecision.Continue && bodyDecision != MilterDecision.Skip)
            {
                Write(bodyDecision.Reply);
                _options.Observer?.MessageDecided(bodyDecision, false);
                await AbortOpenMessageAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        var modifications = _context.Modifications;
        modifications.Open(_context.Negotiated!);
        try
        {
            var decision = await InvokeAsync("EOM", () => _handler.EndOfMessageAsync(_context, cancellationToken)).ConfigureAwait(false);
            if (decision == MilterDecision.Skip)
            {
                decision = MilterDecision.Continue;
            }

            // Modifications go with a message that is kept. With a rejection or a temporary failure (which is
            // also what a failed handler yields) they would be meaningless, or half made: drop them.
            if (decision == MilterDecision.Continue || decision == MilterDecision.Accept)
            {
                foreach (var modification in modifications.Pending)
                {
                    Write(modification);
                }
            }

            Write(decision.Reply);
            _options.Observer?.MessageDecided(decision, modifications.Quarantined);
        }
        finally
        {
            modifications.Close();
            _messageOpen = false;
        }
    }

    private async ValueTask<MilterDecision> InvokeAsync(string step, Func<ValueTask<MilterDecision>> invoke)
    {
        _handlerSawSession = true;
        var observer = _options.Observer;
        long started = observer is null ? 0 : Stopwatch.GetTimestamp();
        try
        {
            return await invoke().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsHandlerFailure(ex))
        {
            SessionLog.HandlerFailed(_logger, ex, _context.SessionId, step);
            observer?.HandlerFailed(step);
            return MilterDecision.TempFail;
        }
        finally
        {
            observer?.StepCompleted(step, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// A handler's exception is its own failure (answered tempfail) unless it is the cancellation of the session
    /// itself; a handler's own timeout (a TaskCanceledException from a DNS query, say) is a failure like any other.
    /// </summary>
    private bool IsHandlerFailure(Exception exception) =>
        exception is not OutOfMemoryException && !(exception is OperationCanceledException && _abort.IsCancellationRequested);

    private async ValueTask AbortOpenMessageAsync(CancellationToken cancellationToken)
    {
        if (!_messageOpen)
        {
            return;
        }

        _messageOpen = false;
        _deferred = null;
        try
        {
            await _handler.AbortAsync(_context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsHandlerFailure(ex))
        {
            SessionLog.HandlerFailed(_logger, ex, _context.SessionId, "ABORT");
        }
    }

    /// <summary>Ends the SMTP session for the handler: abort an open message, then close. Safe to call twice.</summary>
    private async ValueTask EndConnectionAsync()
    {
        if (!_handlerSawSession)
        {
            return;
        }

        _handlerSawSession = false;

        await AbortOpenMessageAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _handler.CloseAsync(_context, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SessionLog.HandlerFailed(_logger, ex, _context.SessionId, "CLOSE");
        }
    }

    private void Write(MilterReply reply)
    {
        ReplyCodec.Write(_pending, reply);
        _unflushed = true;
    }

    /// <summary>
    /// Hands everything pending to the transport as one contiguous buffer. Writing replies straight into a
    /// stream-backed PipeWriter would cut them at its segment size (4 KiB) into several socket writes.
    /// </summary>
    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        _unflushed = false;
        var pending = _pending.WrittenSpan;
        pending.CopyTo(_output.GetSpan(pending.Length));
        _output.Advance(pending.Length);
        _pending.ResetWrittenCount();
        var flush = _output.FlushAsync(cancellationToken);
        var result = flush.IsCompleted ? flush.Result : await AwaitSlowFlushAsync(flush).ConfigureAwait(false);
        if (result.IsCanceled && _writeStalled)
        {
            throw new TimeoutException("the MTA did not take our replies");
        }

        if (result.IsCompleted)
        {
            throw new IOException("the MTA closed the connection");
        }
    }

    /// <summary>
    /// A write that did not complete at once (the socket buffers are full: the MTA is not reading our replies) gets
    /// the same time as a read would; then it is cancelled and the session ends.
    /// </summary>
    private async ValueTask<FlushResult> AwaitSlowFlushAsync(ValueTask<FlushResult> flush)
    {
        using var stall = new CancellationTokenSource(CurrentTimeout);
        using var registration = stall.Token.Register(() =>
        {
            _writeStalled = true;
            _output.CancelPendingFlush();
        });
        return await flush.ConfigureAwait(false);
    }

    private TimeSpan CurrentTimeout => PhaseRules.InMessage(_phase) ? _options.MessageIdleTimeout : _options.IdleTimeout;

    /// <summary>Replies to commands that came before the end of input (or before a bad packet) still go out.</summary>
    private async ValueTask FlushRemainingAsync()
    {
        if (!_unflushed)
        {
            return;
        }

        try
        {
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException or TimeoutException)
        {
            // The MTA is gone, or not reading; nothing to deliver the replies to.
        }
    }

    /// <summary>
    /// Completes the output pipe. Completing flushes what the pipe still holds: after a failed write (the MTA reset
    /// the connection before reading our reply) that is the reply again, and it fails again. It has nowhere to go;
    /// the session's end must still be logged and RunAsync must not throw.
    /// </summary>
    private async ValueTask CompleteOutputAsync()
    {
        if (_writeStalled)
        {
            // Completing would try the cancelled write again, and wait on the same full buffers; closing the
            // connection (the server does it next) drops it.
            return;
        }

        try
        {
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The MTA is gone.
        }
    }

    private async ValueTask SendProgressAsync(CancellationToken cancellationToken)
    {
        Write(SimpleReply.Progress);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string DescribePhase(SessionPhase phase) => phase switch
    {
        SessionPhase.AwaitingNegotiation => "before option negotiation",
        SessionPhase.AwaitingConnect => "before CONNECT",
        SessionPhase.Connected => "outside a message",
        SessionPhase.Mail => "after MAIL",
        SessionPhase.Recipients => "after RCPT",
        SessionPhase.Data => "after DATA",
        SessionPhase.Headers => "after a header",
        SessionPhase.EndOfHeaders => "after end of headers",
        SessionPhase.Body => "after a body chunk",
        _ => "after QUIT",
    };
}
