namespace Milter.Configuration.Tables;

/// <summary>
/// One KeyTable line: <c>NAME domain:selector:keypath</c>. A domain of <c>%</c> stands for the sender's
/// domain. A keypath that does not start with <c>/</c>, <c>./</c> or <c>../</c> is the key itself (PEM or
/// base64 DER), as in OpenDKIM.
/// </summary>
public sealed record KeyTableEntry(string Name, string Domain, string Selector, string? KeyPath, string? InlineKey, string Source, int Line)
{
    /// <summary>
    /// True for a row of a database KeyTable (read when a message needs it, so its key is loaded then); false for a
    /// line of a KeyTable file or the KeyFile setting (loaded at start-up). <see cref="Line"/> is 0 for a row.
    /// </summary>
    public bool IsDatabaseRow { get; init; }

    /// <summary>True when the domain is <c>%</c>: sign with the sender's domain.</summary>
    public bool UsesSenderDomain => Domain == "%";

    /// <summary>The d= for a sender domain.</summary>
    public string DomainFor(string senderDomain) => UsesSenderDomain ? senderDomain : Domain;

    /// <summary>Where the key comes from, for messages: the path, "inline key at FILE:LINE", or "inline key of row 'NAME' in pgsql://...".</summary>
    public string KeyDescription => KeyPath ?? (IsDatabaseRow ? $"inline key of row '{Name}' in {Source}" : $"inline key at {Source}:{Line}");
}
