using System.Globalization;
using Milter.Configuration;
using Milter.Configuration.Checks;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// Check 8, on our configuration: the whole-configuration checks the daemon runs at start-up
/// (<see cref="ConfigurationChecks"/>: key names, key files, RequireSafeKeys), and what an experienced admin would
/// flag: no Mode, signing with no key, rsa-sha1, readable key files even with RequireSafeKeys off, a socket any
/// local user may use (UMask), a TCP socket on every address (a milter has no authentication: anyone who reaches
/// it can have mail signed).
/// </summary>
internal static class MilterConfigChecks
{
    public static void Run(MilterSide us, ICollection<DoctorFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(us);
        ArgumentNullException.ThrowIfNull(findings);
        var config = us.Config;
        string file = config.Path;
        foreach (var diagnostic in ConfigurationChecks.Run(config))
        {
            findings.Add(new DoctorFinding(diagnostic.IsError ? DoctorSeverity.Error : DoctorSeverity.Warning, "config",
                $"{diagnostic.File}:{diagnostic.Line.ToString(CultureInfo.InvariantCulture)}", diagnostic.Problem, diagnostic.Hint));
        }

        if (config.Find("Mode") is null)
        {
            findings.Add(DoctorFinding.Note("config", "Mode", $"{file} has no Mode: dkim-milter signs and verifies (sv)", $"write in {file}: Mode sv (or s, or v) to say which"));
        }

        bool hasKeys = config.Find("KeyTable") is not null || (config.Find("KeyFile") is not null && config.Find("Selector") is not null);
        if (us.Signs && !hasKeys)
        {
            findings.Add(DoctorFinding.Error("config", "KeyTable", $"{file} signs (Mode {config.GetString("Mode", "sv")}) but names no key (neither KeyTable nor KeyFile with Selector): no message is signed",
                $"write in {file}: KeyTable refile:/etc/opendkim/KeyTable and SigningTable refile:/etc/opendkim/SigningTable (or KeyFile, Selector and Domain)"));
        }

        if (config.Find("SignatureAlgorithm") is { } algorithm && algorithm.Value.Equals("rsa-sha1", StringComparison.OrdinalIgnoreCase))
        {
            findings.Add(DoctorFinding.Error("config", $"{algorithm.File}:{algorithm.Line.ToString(CultureInfo.InvariantCulture)}",
                "SignatureAlgorithm rsa-sha1: verifiers treat rsa-sha1 signatures as invalid (RFC 8301)", $"write in {algorithm.File}: SignatureAlgorithm rsa-sha256"));
        }

        bool requireSafeKeys = true;
        try
        {
            requireSafeKeys = config.GetBoolean("RequireSafeKeys", true);
        }
        catch (ConfigurationException)
        {
            // Reported by ConfigurationChecks.
        }

        if (!requireSafeKeys)
        {
            foreach (var keyPath in KeyPaths(config).Where(File.Exists))
            {
                foreach (var unsafePath in KeyFileSafety.Check(keyPath))
                {
                    findings.Add(DoctorFinding.Warning("keys", unsafePath.Path, $"{unsafePath.Problem} (RequireSafeKeys is off, so dkim-milter uses it anyway)", unsafePath.Fix));
                }
            }
        }

        if (us.Socket is { Kind: SocketKind.Unix } && config.Find("UMask") is { } umask && ReadUMask(config) is { } mask && (mask & 2) == 0)
        {
            findings.Add(DoctorFinding.Warning("config", $"{umask.File}:{umask.Line.ToString(CultureInfo.InvariantCulture)}",
                $"UMask {umask.Value} leaves the socket writable by every local user: any of them can have mail signed as your domains",
                $"write in {umask.File}: UMask 007 (and put Postfix's user in dkim-milter's group)"));
        }

        if (us.Socket is { Kind: SocketKind.Inet or SocketKind.Inet6, Host: null } open)
        {
            var entry = config.Find("Socket")!;
            findings.Add(DoctorFinding.Warning("config", $"{entry.File}:{entry.Line.ToString(CultureInfo.InvariantCulture)}",
                $"Socket {open} listens on every address: a milter has no authentication, so anyone who can reach the port can have mail signed as your domains",
                $"write in {entry.File}: Socket {(open.Kind == SocketKind.Inet ? "inet" : "inet6")}:{open.Port.ToString(CultureInfo.InvariantCulture)}@localhost"));
        }
    }

    private static long? ReadUMask(ConfigFile config)
    {
        try
        {
            return config.GetInteger("UMask", 7);
        }
        catch (ConfigurationException)
        {
            return null;
        }
    }

    private static IEnumerable<string> KeyPaths(ConfigFile config)
    {
        var targets = TestkeyTargets.FromConfiguration(config);
        return targets.Keys.Select(k => k.KeyPath).OfType<string>().Distinct(StringComparer.Ordinal);
    }
}
