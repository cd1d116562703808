namespace Milter.Daemon.Logging;

/// <summary>Syslog facility names (syslog.h) and their numbers, accepted with or without the LOG_ prefix.</summary>
internal static class SyslogFacilities
{
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["kern"] = 0, ["user"] = 1, ["mail"] = 2, ["daemon"] = 3, ["auth"] = 4, ["syslog"] = 5, ["lpr"] = 6,
        ["news"] = 7, ["uucp"] = 8, ["cron"] = 9, ["authpriv"] = 10, ["ftp"] = 11,
        ["local0"] = 16, ["local1"] = 17, ["local2"] = 18, ["local3"] = 19,
        ["local4"] = 20, ["local5"] = 21, ["local6"] = 22, ["local7"] = 23,
    };

    public static bool TryParse(string name, out int facility)
    {
        string bare = name.StartsWith("LOG_", StringComparison.OrdinalIgnoreCase) ? name[4..] : name;
        return Numbers.TryGetValue(bare, out facility);
    }
}
