using Milter.Configuration.Checks;

namespace Milter.Configuration.Options;

/// <summary>
/// Checks every option set in a configuration: its value against its type (<see cref="OptionValueChecker"/>),
/// and whether this build acts on it (<see cref="ImplementedOptions"/>). An option it does not act on yet is
/// reported with <see cref="OptionTable"/>'s severity and the reason, e.g.
/// <c>FILE: configuration error at line 12: 'Canonicalization' is not supported yet (signatures would be made
/// with another canonicalization than configured)</c>, so that nobody runs a configuration that silently means
/// something else here than under OpenDKIM.
/// </summary>
public static class OptionValidator
{
    /// <summary>Every finding, by line, the top-level file first (empty: all good).</summary>
    public static IReadOnlyList<ConfigDiagnostic> Validate(ConfigFile config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var diagnostics = new List<ConfigDiagnostic>();
        var entries = config.Entries.Values
            .OrderBy(entry => entry.File == config.Path ? 0 : 1)
            .ThenBy(entry => entry.File, StringComparer.Ordinal)
            .ThenBy(entry => entry.Line);
        foreach (var entry in entries)
        {
            if (OptionTable.Find(entry.Name) is not { } option)
            {
                // The parser refuses unknown names; a hand-built ConfigFile could still hold one.
                diagnostics.Add(new ConfigDiagnostic(true, entry.File, entry.Line, "unrecognized parameter", $"'{entry.Name}' is not an OpenDKIM parameter"));
                continue;
            }

            var typeProblem = OptionValueChecker.Check(config, entry, option.Type);
            if (typeProblem is not null)
            {
                diagnostics.Add(typeProblem);
            }

            if (!option.IsImplemented && !(typeProblem is null && SwitchesOff(config, entry, option)))
            {
                diagnostics.Add(new ConfigDiagnostic(option.WhenIgnored == IgnoredOptionSeverity.Error, entry.File, entry.Line,
                    $"'{option.Name}' is not supported yet", option.WhenIgnored == IgnoredOptionSeverity.Error
                        ? option.Why
                        : $"ignored: {option.Why}"));
            }
        }

        return diagnostics;
    }

    // "StrictHeaders no": an off switch for a feature that is off by default asks for exactly what a build
    // without the feature does, so ignoring the line changes nothing and saying otherwise would only be noise.
    private static bool SwitchesOff(ConfigFile config, ConfigEntry entry, OptionDefinition option) =>
        option.Type == OptionType.Boolean && option.Default == "no" && !config.GetBoolean(entry.Name, true);
}
