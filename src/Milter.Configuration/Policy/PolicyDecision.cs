using Milter.Configuration.Tables;

namespace Milter.Configuration.Policy;

/// <summary>What the milter does with a message.</summary>
public enum PolicyAction
{
    /// <summary>Sign with <see cref="PolicyDecision.Keys"/>.</summary>
    Sign,
    /// <summary>Verify the signatures it carries and report them.</summary>
    Verify,
    /// <summary>Neither: pass it on untouched.</summary>
    Nothing,
    /// <summary>The message is local but its sender could not be looked up (a database table not cached and
    /// unreachable): it gets On-InternalError (tempfail by default), never passed on unsigned.</summary>
    Unavailable,
}

/// <summary>A key chosen for a message: the KeyTable entry, the d= it gives for this sender, and i= if any.</summary>
public sealed record SigningKeyChoice(KeyTableEntry Key, string Domain, string? Identity);

/// <summary>The decision and, in order, every reason that led to it (what LogWhy logs and explain prints).</summary>
public sealed record PolicyDecision(PolicyAction Action, IReadOnlyList<SigningKeyChoice> Keys, IReadOnlyList<string> Reasons)
{
    /// <summary>A client that is not internal sent as one of our domains (OpenDKIM logs "external host H attempted
    /// to send as D" whatever LogWhy says, unless the client is in ExternalIgnoreList).</summary>
    public bool ExternalSenderOfOurDomain { get; init; }

    /// <summary>The reasons as one sentence.</summary>
    public string Explanation => string.Join("; ", Reasons);
}
