namespace Milter.Configuration.Options;

/// <summary>How serious it is that this build ignores an option it does not implement yet.</summary>
public enum IgnoredOptionSeverity
{
    /// <summary>
    /// Ignoring it could change what gets signed or verified, the result reported, or what happens to the
    /// message: refuse to start rather than run differently from what the configuration says.
    /// </summary>
    Error,
    /// <summary>It cannot: logging, statistics, reports, process management, debugging. Start, and say so.</summary>
    Warning,
}
