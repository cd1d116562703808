using System.Globalization;
using System.Text.RegularExpressions;
using Milter.Configuration.Checks;

namespace Milter.Configuration.Options;

/// <summary>
/// Checks one option value against its <see cref="OptionType"/>, with the rules OpenDKIM 2.11 applies at start-up
/// (each compared with <c>opendkim -n</c> and real start-ups). Stricter than OpenDKIM where it silently does
/// something other than what was written:
/// <list type="bullet">
/// <item>an unknown On-* action ("rejetc") is ignored by OpenDKIM, leaving the default; refused here;</item>
/// <item>integers out of a C int's range are truncated by OpenDKIM; refused here;</item>
/// <item>AutoRestartRate and Socket are only checked by OpenDKIM when it uses them (not by <c>-n</c>), and it
/// takes "/1h" and "10/-1"; checked whenever set here, and those refused;</item>
/// <item>Minimum "10%x" is read as 10% by OpenDKIM; refused here;</item>
/// <item>SignatureAlgorithm rsa-sha1 is accepted by OpenDKIM; refused here (RFC 8301 forbids signing with it).</item>
/// </list>
/// </summary>
public static partial class OptionValueChecker
{
    private static readonly string[] Actions = ["a", "accept", "d", "discard", "q", "quarantine", "r", "reject", "t", "tempfail"];

    /// <summary>
    /// Null when <paramref name="entry"/>'s value is a valid <paramref name="type"/>, otherwise an error
    /// ("illegal value", with a hint saying what is accepted). <paramref name="config"/> provides OpenDKIM's
    /// boolean and integer readers.
    /// </summary>
    public static ConfigDiagnostic? Check(ConfigFile config, ConfigEntry entry, OptionType type)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            string? hint = type switch
            {
                OptionType.Boolean => CheckBoolean(config, entry),
                OptionType.Number => CheckInteger(config, entry),
                OptionType.Action => OneOf(entry, Actions, "accept, discard, quarantine, reject or tempfail (or a, d, q, r, t)"),
                OptionType.Canonicalization => CheckCanonicalization(entry),
                OptionType.Mode => CheckMode(entry),
                OptionType.UserAndGroup => CheckUserAndGroup(entry),
                OptionType.Rate => CheckRate(entry),
                OptionType.Socket => CheckSocket(entry),
                OptionType.SignatureAlgorithm => CheckSignatureAlgorithm(entry),
                OptionType.KeyAction => OneOf(entry, ["neutral", "none", "fail"], "neutral, none or fail"),
                OptionType.AtpsHashAlgorithm => OneOf(entry, ["sha1", "sha256", "none"], "sha1, sha256 or none"),
                OptionType.MinimumSigned => CheckMinimum(entry),
                // Any text will do; datasets are read (and their problems reported) by DatasetParser.
                OptionType.Text or OptionType.Dataset => null,
                _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown option type"),
            };
            return hint is null ? null : new ConfigDiagnostic(true, entry.File, entry.Line, "illegal value", hint);
        }
        catch (ConfigurationException ex)
        {
            return ConfigDiagnostic.From(ex);
        }
    }

    private static string? CheckBoolean(ConfigFile config, ConfigEntry entry)
    {
        // Throws "illegal value" with a hint; only the first character counts, as in OpenDKIM.
        config.GetBoolean(entry.Name, false);
        return null;
    }

    private static string? CheckInteger(ConfigFile config, ConfigEntry entry)
    {
        long value = config.GetInteger(entry.Name, 0);
        return value is < int.MinValue or > int.MaxValue
            ? $"{entry.Name} takes a number from {int.MinValue} to {int.MaxValue}, not '{entry.Value}' (OpenDKIM would silently truncate it)"
            : null;
    }

    private static string? OneOf(ConfigEntry entry, string[] accepted, string description) =>
        accepted.Contains(entry.Value, StringComparer.OrdinalIgnoreCase) ? null : $"{entry.Name} takes {description}, not '{entry.Value}'";

    private static string? CheckCanonicalization(ConfigEntry entry)
    {
        string[] parts = entry.Value.Split('/', 2);
        return parts.All(part => part.Equals("simple", StringComparison.OrdinalIgnoreCase) || part.Equals("relaxed", StringComparison.OrdinalIgnoreCase))
            ? null
            : $"{entry.Name} takes simple or relaxed, optionally /simple or /relaxed for the body (e.g. relaxed/simple), not '{entry.Value}'";
    }

    private static string? CheckMode(ConfigEntry entry) =>
        entry.Value.All(c => c is 's' or 'v')
            ? null
            : $"{entry.Name} takes s (sign), v (verify) or sv, in lower case, not '{entry.Value}'";

    private static string? CheckUserAndGroup(ConfigEntry entry)
    {
        string[] parts = entry.Value.Split(':');
        return parts.Length <= 2 && parts.All(part => part.Length > 0 && !part.Any(char.IsWhiteSpace))
            ? null
            : $"{entry.Name} takes user or user:group, not '{entry.Value}'";
    }

    private static string? CheckRate(ConfigEntry entry)
    {
        var match = RatePattern().Match(entry.Value);
        if (!match.Success)
        {
            return $"{entry.Name} takes COUNT/TIME with an optional unit s, m, h or d (e.g. 10/1h), not '{entry.Value}'";
        }

        // OpenDKIM refuses a zero interval ("10/0"): no rate can be measured over it.
        return long.TryParse(match.Groups["time"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long time) && time > 0
            && int.TryParse(match.Groups["count"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? null
            : $"{entry.Name}: '{entry.Value}' needs a count and an interval greater than zero (e.g. 10/1h)";
    }

    private static string? CheckSocket(ConfigEntry entry)
    {
        try
        {
            SocketSpec.Parse(entry.Value);
            return null;
        }
        catch (FormatException ex)
        {
            return $"{entry.Name}: {ex.Message}";
        }
    }

    private static string? CheckSignatureAlgorithm(ConfigEntry entry)
    {
        if (entry.Value.Equals("rsa-sha1", StringComparison.OrdinalIgnoreCase))
        {
            return $"{entry.Name} rsa-sha1 is no longer allowed for signing (RFC 8301); use rsa-sha256 or ed25519-sha256";
        }

        return OneOf(entry, ["rsa-sha256", "ed25519-sha256"], "rsa-sha256 or ed25519-sha256");
    }

    private static string? CheckMinimum(ConfigEntry entry)
    {
        var match = MinimumPattern().Match(entry.Value);
        bool ok = match.Success
            && uint.TryParse(match.Groups["number"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out uint number)
            && (match.Groups["kind"].Value != "%" || number <= 100);
        return ok ? null : $"{entry.Name} takes a byte count (500), a percentage up to 100 (75%) or a byte count with + (200+), not '{entry.Value}'";
    }

    [GeneratedRegex(@"^(?<count>[0-9]+)/(?<time>[0-9]+)[smhdSMHD]?$", RegexOptions.CultureInvariant)]
    private static partial Regex RatePattern();

    [GeneratedRegex(@"^(?<number>[0-9]+)(?<kind>[%+]?)$", RegexOptions.CultureInvariant)]
    private static partial Regex MinimumPattern();
}
