namespace Milter.Daemon.Commands;

/// <summary>What one line of <c>dkim-milter testkey</c>'s report says.</summary>
internal enum FindingKind
{
    /// <summary>The key is published and matches ("key OK").</summary>
    Ok,

    /// <summary>Signatures with this key will not verify (or the key cannot be used); fails the run.</summary>
    Problem,

    /// <summary>DNS did not answer (timeout, SERVFAIL): nothing is known about the record.</summary>
    TemporaryFailure,

    /// <summary>Works, but should be changed (a small key, several records, a readable key file).</summary>
    Warning,

    /// <summary>Worth knowing about the record (t=y, t=s).</summary>
    Note,

    /// <summary>About the domain rather than the key (SPF, DMARC); never changes the exit status.</summary>
    Information,

    /// <summary>The key could not be tested (no domain to test it for).</summary>
    Skipped,

    /// <summary>Details shown with -v only.</summary>
    Detail,
}

/// <summary>One line of the report: <c>SUBJECT: [warning: |note: ]TEXT</c>, the subject being the key's DNS name or the domain.</summary>
internal sealed record TestkeyFinding(string Subject, FindingKind Kind, string Text)
{
    public override string ToString() => Kind switch
    {
        FindingKind.Warning => $"{Subject}: warning: {Text}",
        FindingKind.Note => $"{Subject}: note: {Text}",
        FindingKind.Skipped => $"{Subject}: skipped: {Text}",
        FindingKind.TemporaryFailure => $"{Subject}: DNS error: {Text}",
        _ => $"{Subject}: {Text}",
    };
}
