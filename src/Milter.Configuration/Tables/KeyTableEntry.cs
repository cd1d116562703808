namespace Milter.Configuration.Tables;

/// <summary>
/// One KeyTable line: <c>NAME domain:selector:keypath</c>. A domain of <c>%</c> stands for the sender's
/// domain. A keypath that does not start with <c>/</c>, <c>./</c> or <c>../</c> is the key itself (PEM or
/// base64 DER), as in OpenDKIM.
/// </summary>
public sealed record KeyTableEntry(string Name, string Domain, string Selector, string? KeyPath, string? InlineKey, string Source, int Line)
{
    /// <summary>True when the domain is <c>%</c>: sign with the sender's domain.</summary>
    public bool UsesSenderDomain => Domain == "%";

    /// <summary>The d= for a sender domain.</summary>
    public string DomainFor(string senderDomain) => UsesSenderDomain ? senderDomain : Domain;

    /// <summary>Where the key comes from, for messages: the path, or "inline key at FILE:LINE" (a database row has no line: "inline key at pgsql://.../table").</summary>
    public string KeyDescription => KeyPath ?? (Line > 0 ? $"inline key at {Source}:{Line}" : $"inline key at {Source}");
}
