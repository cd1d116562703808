using System.Collections.Concurrent;
using System.Text;
using Milter.Protocol;
using Milter.Protocol.Handling;

namespace Milter.IntegrationTests.Milter;

/// <summary>
/// The integration tests' milter: at end of message it inserts <c>X-Milter-First</c> at index 0 (the very top,
/// where OpenDKIM puts DKIM-Signature) and appends a folded <c>X-Milter-Last</c>. It records what it saw of each
/// message so tests can compare it with what Postfix sent. It asks for OpenDKIM's version-6 options plus
/// NR_HDR, so the engine's trimming to what Postfix offers is exercised at both versions.
/// </summary>
internal sealed class HeaderStampingHandler(ConcurrentQueue<HeaderStampingHandler.SeenMessage> seen) : MilterHandler
{
    public const string FirstName = "X-Milter-First";
    public const string FirstValue = " first value";
    public const string LastName = "X-Milter-Last";
    public const string LastValue = " last value\r\n\tfolded line";

    private List<MilterHeader> _headers = [];
    private string? _sender;

    /// <summary>One message as the handler saw it.</summary>
    public sealed record SeenMessage(int ConnectionMessageNumber, string? Sender, string? QueueId, IReadOnlyList<MilterHeader> Headers, NegotiatedProtocol Negotiated)
    {
        public string? HeaderValue(string name) =>
            Headers.Where(header => header.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                .Select(header => Encoding.UTF8.GetString(header.RawValue.Span))
                .FirstOrDefault();
    }

    public int MessagesOnThisConnection { get; private set; }

    public override MilterNegotiation Negotiate(NegotiationOffer offer) => new(
        MilterActions.AddHeaders,
        ProtocolOptions.NoHelo | ProtocolOptions.NoUnknown | ProtocolOptions.NoData | ProtocolOptions.Skip
            | ProtocolOptions.HeaderLeadingSpace | ProtocolOptions.NoReplyHeader);

    public override ValueTask<MilterDecision> MailFromAsync(MilterContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        _headers = [];
        _sender = arguments[0];
        return ValueTask.FromResult(MilterDecision.Continue);
    }

    public override ValueTask<MilterDecision> HeaderAsync(MilterContext context, MilterHeader header, CancellationToken cancellationToken)
    {
        _headers.Add(header);
        return ValueTask.FromResult(MilterDecision.Continue);
    }

    public override ValueTask<MilterDecision> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        MessagesOnThisConnection++;
        context.Modifications.InsertHeader(0, FirstName, FirstValue);
        context.Modifications.AddHeader(LastName, LastValue);
        seen.Enqueue(new SeenMessage(MessagesOnThisConnection, _sender, context.Macros.Get("i"), _headers, context.Negotiated!));
        return ValueTask.FromResult(MilterDecision.Continue);
    }
}
