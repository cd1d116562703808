using System.Buffers;
using Milter.Fuzzing.Support;
using Milter.Protocol;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;

namespace Milter.Fuzzing.Targets;

/// <summary>
/// The whole <see cref="Milter.Protocol.Server.MilterSession"/> state machine fed a byte stream, with a handler
/// that asks for macros, refuses some steps (so that decisions at unanswered steps are carried over) and modifies
/// every message it sees end. The session must never fail by itself: a bad stream is a protocol error (a warning)
/// that ends the session, never an internal error or a handler failure; whatever it answered must be valid reply
/// packets; and the handler must never be closed with a message it saw start still open (IMilterHandler: every
/// message ends with end of message or abort).
/// </summary>
public sealed class SessionTarget : IFuzzTarget
{
    private readonly ProblemLogger _log = new();

    /// <inheritdoc />
    public string Name => "session";

    /// <inheritdoc />
    public string EntryPoint => "MilterSession.RunAsync over an in-memory duplex pipe, with a small test handler";

    /// <inheritdoc />
    public IReadOnlyList<Type> BadInputExceptions { get; } = [];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        _log.Clear();
        var handler = new RefusingHandler();
        var output = InMemorySession.Run(input.ToArray(), handler, _log);
        _log.ThrowIfAny("the session");
        InMemorySession.ReadReplies(output);
        if (handler.Violation is { } violation)
        {
            throw new FuzzPropertyException(violation);
        }
    }

    /// <summary>
    /// Continues, except: a client named "reject" is rejected, a recipient containing "tempfail" and a header named
    /// X-Reject are refused; skips a body chunk starting with 'S'; at end of message adds a header and a recipient
    /// when the MTA allowed it. Records a broken message life cycle.
    /// </summary>
    internal sealed class RefusingHandler : MilterHandler
    {
        private bool _messageOpen;

        public string? Violation { get; private set; }

        public override MilterNegotiation Negotiate(NegotiationOffer offer) => new(
            MilterActions.AddHeaders | MilterActions.AddRecipients,
            ProtocolOptions.NoReplyHeader | ProtocolOptions.NoReplyRecipient | ProtocolOptions.HeaderLeadingSpace | ProtocolOptions.Skip,
            new Dictionary<MacroStage, string> { [MacroStage.Connect] = "j {daemon_name}", [MacroStage.EndOfMessage] = "i" });

        public override ValueTask<MilterDecision> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(connect);
            return new(connect.Hostname == "reject" ? MilterDecision.Reject : MilterDecision.Continue);
        }

        public override ValueTask<MilterDecision> MailFromAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            if (_messageOpen)
            {
                Violation ??= "MAIL reached the handler while its previous message had neither ended nor been aborted";
            }

            _messageOpen = true;
            return new(MilterDecision.Continue);
        }

        public override ValueTask<MilterDecision> RecipientAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(arguments);
            return new(arguments[0].Contains("tempfail", StringComparison.Ordinal) ? MilterDecision.TempFail : MilterDecision.Continue);
        }

        public override ValueTask<MilterDecision> HeaderAsync(MilterContext context, MilterHeader header, CancellationToken cancellationToken)
        {
            return new(header.Name == "X-Reject" ? MilterDecision.Reject : MilterDecision.Continue);
        }

        public override ValueTask<MilterDecision> BodyAsync(MilterContext context, ReadOnlySequence<byte> chunk, CancellationToken cancellationToken) =>
            new(!chunk.IsEmpty && chunk.FirstSpan[0] == (byte)'S' ? MilterDecision.Skip : MilterDecision.Continue);

        public override ValueTask<MilterDecision> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(context);
            _messageOpen = false;
            var negotiated = context.Negotiated!;
            if (negotiated.Has(MilterActions.AddHeaders))
            {
                context.Modifications.AddHeader("X-Fuzz", " seen");
            }

            if (negotiated.Has(MilterActions.AddRecipients))
            {
                context.Modifications.AddRecipient("<fuzz@example.com>");
            }

            return new(MilterDecision.Continue);
        }

        public override ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken)
        {
            _messageOpen = false;
            return ValueTask.CompletedTask;
        }

        public override ValueTask CloseAsync(MilterContext context, CancellationToken cancellationToken)
        {
            if (_messageOpen)
            {
                Violation ??= "the handler was closed while a message it saw start had neither ended nor been aborted";
            }

            _messageOpen = false;
            return ValueTask.CompletedTask;
        }
    }
}
