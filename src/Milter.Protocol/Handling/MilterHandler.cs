using System.Buffers;
using Milter.Protocol.Commands;

namespace Milter.Protocol.Handling;

/// <summary>A handler that does nothing: every step continues, no modification. Override what you need.</summary>
public abstract class MilterHandler : IMilterHandler
{
    private static ValueTask<MilterDecision> ContinueTask => new(MilterDecision.Continue);

    /// <inheritdoc />
    public virtual MilterNegotiation Negotiate(NegotiationOffer offer) => MilterNegotiation.Default;

    /// <inheritdoc />
    public virtual ValueTask<MilterDecision> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken) => ContinueTask;

    /// <inheritdoc />
    public virtual ValueTask<MilterDecision> HeloAsync(MilterContext context, string hostname, CancellationToken cancellationToken) => ContinueTask;

    /// <inheritdoc />
    public virtual ValueTask<MilterDecision> MailFromAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken) => ContinueTask;

    /// <inheritdoc />
    public virtual ValueTask<MilterDecision> RecipientAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken) => ContinueTask;

    /// <inheritdoc />
    public virtual ValueTask<MilterDecision> DataAsync(MilterContext context, CancellationToken cancellationToken) => ContinueTask;

    /// <inheritdoc />
    public virtual ValueTask<MilterDecision> UnknownAsync(MilterContext context, string commandLine, CancellationToken cancellationToken) => ContinueTask;

    /// <inheritdoc />
    public virtual ValueTask<MilterDecision> HeaderAsync(MilterContext context, MilterHeader header, CancellationToken cancellationToken) => ContinueTask;

    /// <inheritdoc />
    public virtual ValueTask<MilterDecision> EndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) => ContinueTask;

    /// <inheritdoc />
    public virtual ValueTask<MilterDecision> BodyAsync(MilterContext context, ReadOnlySequence<byte> chunk, CancellationToken cancellationToken) => ContinueTask;

    /// <inheritdoc />
    public virtual ValueTask<MilterDecision> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken) => ContinueTask;

    /// <inheritdoc />
    public virtual ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual ValueTask CloseAsync(MilterContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
