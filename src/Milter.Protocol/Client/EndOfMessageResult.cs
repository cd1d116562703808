using Milter.Protocol.Replies;

namespace Milter.Protocol.Client;

/// <summary>What the milter answered at end of message: modifications in order, then the final reply.</summary>
public sealed record EndOfMessageResult(IReadOnlyList<MilterReply> Modifications, MilterReply Final, int ProgressReplies);
