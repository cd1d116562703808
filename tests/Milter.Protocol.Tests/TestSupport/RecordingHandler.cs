using System.Buffers;
using System.Collections.Concurrent;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;

namespace Milter.Protocol.Tests.TestSupport;

/// <summary>
/// A handler that records every call (in order, by step name) and what it was given, and lets a test decide the
/// answer of any step, observe the context, or make modifications at end of message.
/// Step names: CONNECT HELO MAIL RCPT DATA UNKNOWN HEADER EOH BODY EOM ABORT CLOSE.
/// </summary>
internal sealed class RecordingHandler : MilterHandler
{
    private readonly ConcurrentQueue<string> _calls = new();

    /// <summary>What <see cref="Negotiate"/> asks for.</summary>
    public MilterNegotiation Wanted { get; set; } = MilterNegotiation.Default;

    /// <summary>Replaces <see cref="Wanted"/> when set (may throw).</summary>
    public Func<NegotiationOffer, MilterNegotiation>? OnNegotiate { get; set; }

    /// <summary>The decision per step; null or a null result means continue. May throw.</summary>
    public Func<string, MilterContext, MilterDecision?>? Decide { get; set; }

    /// <summary>Called at every step (ABORT and CLOSE included) before deciding.</summary>
    public Action<string, MilterContext>? Observe { get; set; }

    /// <summary>Awaited at every decision step (CONNECT..EOM) after <see cref="Observe"/>, e.g. to send progress.</summary>
    public Func<string, MilterContext, Task>? DuringStep { get; set; }

    /// <summary>Called at end of message before deciding: make modifications here.</summary>
    public Action<MilterContext>? OnEndOfMessage { get; set; }

    public NegotiationOffer? Offer { get; private set; }

    public IReadOnlyList<string> Calls => [.. _calls];

    public ConcurrentQueue<ConnectCommand> Connects { get; } = new();

    public ConcurrentQueue<string> Helos { get; } = new();

    public ConcurrentQueue<IReadOnlyList<string>> Senders { get; } = new();

    public ConcurrentQueue<IReadOnlyList<string>> Recipients { get; } = new();

    public ConcurrentQueue<string> UnknownLines { get; } = new();

    public ConcurrentQueue<(string Name, byte[] RawValue)> Headers { get; } = new();

    public ConcurrentQueue<byte[]> BodyChunks { get; } = new();

    public int Count(string step) => _calls.Count(call => call == step);

    public override MilterNegotiation Negotiate(NegotiationOffer offer)
    {
        Offer = offer;
        return OnNegotiate?.Invoke(offer) ?? Wanted;
    }

    public override ValueTask<MilterDecision> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken)
    {
        Connects.Enqueue(connect);
        return Step("CONNECT", context);
    }

    public override ValueTask<MilterDecision> HeloAsync(MilterContext context, string hostname, CancellationToken cancellationToken)
    {
        Helos.Enqueue(hostname);
        return Step("HELO", context);
    }

    public override ValueTask<MilterDecision> MailFromAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        Senders.Enqueue([.. arguments]);
        return Step("MAIL", context);
    }

    public override ValueTask<MilterDecision> RecipientAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        Recipients.Enqueue([.. arguments]);
        return Step("RCPT", context);
    }

    public override ValueTask<MilterDecision> DataAsync(MilterContext context, CancellationToken cancellationToken) => Step("DATA", context);

    public override ValueTask<MilterDecision> UnknownAsync(MilterContext context, string commandLine, CancellationToken cancellationToken)
    {
        UnknownLines.Enqueue(commandLine);
        return Step("UNKNOWN", context);
    }

    public override ValueTask<MilterDecision> HeaderAsync(MilterContext context, MilterHeader header, CancellationToken cancellationToken)
    {
        Headers.Enqueue((header.Name, header.RawValue.ToArray()));
        return Step("HEADER", context);
    }

    public override ValueTask<MilterDecision> EndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) => Step("EOH", context);

    public override ValueTask<MilterDecision> BodyAsync(MilterContext context, ReadOnlySequence<byte> chunk, CancellationToken cancellationToken)
    {
        // The chunk is only valid during the call: copy it.
        BodyChunks.Enqueue(chunk.ToArray());
        return Step("BODY", context);
    }

    public override async ValueTask<MilterDecision> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _calls.Enqueue("EOM");
        Observe?.Invoke("EOM", context);
        if (DuringStep is not null)
        {
            await DuringStep("EOM", context);
        }

        // Asynchronous on purpose: a real handler awaits its signing work.
        await Task.Yield();
        OnEndOfMessage?.Invoke(context);
        return Decide?.Invoke("EOM", context) ?? MilterDecision.Continue;
    }

    public override ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _calls.Enqueue("ABORT");
        Observe?.Invoke("ABORT", context);
        return ValueTask.CompletedTask;
    }

    public override ValueTask CloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _calls.Enqueue("CLOSE");
        Observe?.Invoke("CLOSE", context);
        return ValueTask.CompletedTask;
    }

    private ValueTask<MilterDecision> Step(string step, MilterContext context)
    {
        _calls.Enqueue(step);
        Observe?.Invoke(step, context);
        return DuringStep is null ? new(Decide?.Invoke(step, context) ?? MilterDecision.Continue) : StepAsync(step, context);
    }

    private async ValueTask<MilterDecision> StepAsync(string step, MilterContext context)
    {
        await DuringStep!(step, context);
        return Decide?.Invoke(step, context) ?? MilterDecision.Continue;
    }
}
