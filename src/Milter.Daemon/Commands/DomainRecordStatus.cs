namespace Milter.Daemon.Commands;

/// <summary>What <see cref="SpfRecordCheck"/> and <see cref="DmarcRecordCheck"/> found, for <c>dkim-milter doctor</c>'s severities.</summary>
internal enum DomainRecordStatus
{
    /// <summary>One record, and it parses.</summary>
    Ok,

    /// <summary>No such record.</summary>
    Missing,

    /// <summary>A record that receivers treat as an error (does not parse, or more than one).</summary>
    Invalid,

    /// <summary>DNS did not say (timeout, SERVFAIL).</summary>
    Unknown,
}
