namespace Milter.Daemon.Commands.Doctor;

/// <summary>How bad a finding of <c>dkim-milter doctor</c> is.</summary>
internal enum DoctorSeverity
{
    /// <summary>Mail is not signed, not delivered or not verifiable as things are.</summary>
    Error,

    /// <summary>Works, but fails in some cases or silently (a dead milter lets mail through unsigned).</summary>
    Warning,

    /// <summary>Worth knowing; never changes the exit status.</summary>
    Note,
}

/// <summary>
/// One thing <c>dkim-milter doctor</c> found: how bad, which part of the set-up (<see cref="Area"/>: postfix,
/// socket, probe, config, keys, dns), what it is about, what is wrong, and the exact change that fixes it (a
/// <c>postconf -e '...'</c> line, an opendkim.conf line with its file, a command), or null when there is none.
/// </summary>
internal sealed record DoctorFinding(DoctorSeverity Severity, string Area, string Subject, string Message, string? Fix = null)
{
    /// <summary>Areas, in the order the report shows them.</summary>
    public static readonly string[] Areas = ["postfix", "socket", "probe", "config", "keys", "dns"];

    public static DoctorFinding Error(string area, string subject, string message, string? fix = null) => new(DoctorSeverity.Error, area, subject, message, fix);

    public static DoctorFinding Warning(string area, string subject, string message, string? fix = null) => new(DoctorSeverity.Warning, area, subject, message, fix);

    public static DoctorFinding Note(string area, string subject, string message, string? fix = null) => new(DoctorSeverity.Note, area, subject, message, fix);
}
