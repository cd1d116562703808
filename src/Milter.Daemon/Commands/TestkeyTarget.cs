namespace Milter.Daemon.Commands;

/// <summary>
/// One key for <c>dkim-milter testkey</c> to check: where its record is published (selector and domain) and,
/// when known, its private key (a file or an inline KeyTable key) to compare with the record.
/// </summary>
/// <param name="Name">The KeyTable name, or the record's name when the key was given with -d and -s.</param>
internal sealed record TestkeyTarget(string Name, string Domain, string Selector, string? KeyPath, string? InlineKey, string KeyDescription)
{
    /// <summary>Where the record lives: <c>SELECTOR._domainkey.DOMAIN</c>.</summary>
    public string RecordName => $"{Selector}._domainkey.{Domain}";

    /// <summary>The report's prefix: the record's name, with the KeyTable name in front when it differs.</summary>
    public string Subject => string.Equals(Name, RecordName, StringComparison.OrdinalIgnoreCase) ? RecordName : $"{Name} ({RecordName})";

    /// <summary>True when there is a private key to compare the record with.</summary>
    public bool HasPrivateKey => KeyPath is not null || InlineKey is not null;
}
