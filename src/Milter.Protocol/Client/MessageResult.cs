using Milter.Protocol.Replies;

namespace Milter.Protocol.Client;

/// <summary>
/// The outcome of sending one whole message: the reply that ended it (the end-of-message decision, or an earlier
/// non-continue reply), the step that gave it, and the end-of-message modifications if it got that far.
/// </summary>
public sealed record MessageResult(MilterReply Final, string DecidedAt, IReadOnlyList<MilterReply> Modifications);
