namespace Milter.Configuration.Options;

/// <summary>
/// THE list of options this project acts on. Every other option OpenDKIM knows is parsed and type-checked, then
/// reported as "not supported yet" at start-up with the severity in <see cref="OptionTable"/>. When a feature
/// lands, add its option names here (and nowhere else).
/// </summary>
public static class ImplementedOptions
{
    /// <summary>The names, case-insensitive.</summary>
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Background",
        "Include",
        "KeyTable",
        "LogWhy",
        "RequireSafeKeys",
        "SigningTable",
        "Socket",
        "Syslog",
        "SyslogFacility",
        "SyslogName",
        "SyslogSuccess",
    };
}
