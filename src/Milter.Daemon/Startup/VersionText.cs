using System.Reflection;

namespace Milter.Daemon.Startup;

/// <summary>What <c>-V</c> prints: the version and what this build can do, as <c>opendkim -V</c> lists its features.</summary>
internal static class VersionText
{
    public static string Describe()
    {
        var assembly = typeof(VersionText).Assembly;
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        if (plus > 0 && version.Length > plus + 13)
        {
            version = version[..(plus + 13)]; // the commit, shortened
        }

        return $"""
            dkim-milter {version} (OpenDKIM-compatible DKIM milter; .NET {Environment.Version})
              Milter protocol: versions 2 to 6, TCP (inet:, inet6:) and unix sockets (local:, unix:)
              Signing algorithms: rsa-sha256, ed25519-sha256 (RFC 8463); one key each, several per message
              Verifying: rsa-sha256, ed25519-sha256; rsa-sha1 reported as permerror (RFC 8301)
              Canonicalization: simple, relaxed (header and body)
              Configuration: opendkim.conf(5) syntax; datasets file:, refile:, csl:
              Signals: SIGHUP and SIGUSR1 reload, SIGTERM drains and exits
              Tools: dkim-milter explain, genkey, testkey
            """;
    }
}
