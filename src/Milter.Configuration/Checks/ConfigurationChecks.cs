using Milter.Configuration.Datasets;
using Milter.Configuration.Tables;
using Milter.Dkim.Keys;

namespace Milter.Configuration.Checks;

/// <summary>
/// Whole-configuration checks OpenDKIM does not make at start-up, all reported at once: every SigningTable key
/// name exists in the KeyTable (with the nearest name when it does not: the seed's own SigningTable has a ':'
/// where its KeyTable name has a '.'), a SigningTable needs a KeyTable, every key file exists, parses and, with
/// RequireSafeKeys (the default), is safe.
/// </summary>
public static class ConfigurationChecks
{
    /// <summary>Runs every check on a parsed file.</summary>
    public static IReadOnlyList<ConfigDiagnostic> Run(ConfigFile config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var diagnostics = new List<ConfigDiagnostic>();
        var problems = new List<ConfigurationException>();
        bool requireSafeKeys = TryGet(() => config.GetBoolean("RequireSafeKeys", true), diagnostics, fallback: true);

        KeyTable? keyTable = null;
        if (config.Find("KeyTable") is { } keyTableSetting && Load(keyTableSetting, diagnostics) is { } keyTableData)
        {
            keyTable = KeyTable.From(keyTableData, problems);
        }

        if (config.Find("SigningTable") is { } signingTableSetting && Load(signingTableSetting, diagnostics) is { } signingTableData)
        {
            if (keyTable is null && config.Find("KeyTable") is null)
            {
                diagnostics.Add(new ConfigDiagnostic(true, signingTableSetting.File, signingTableSetting.Line, "SigningTable without KeyTable",
                    "the SigningTable names keys that the KeyTable defines: add KeyTable refile:/etc/opendkim/KeyTable"));
            }
            else if (keyTable is not null)
            {
                CheckKeyNames(SigningTable.From(signingTableData), keyTable, diagnostics);
            }
        }

        // Each key once, however many entries name it (a table of 100,000 domains may share a few key files): a
        // problem is reported at the first entry naming the key.
        foreach (var sharing in (keyTable?.Entries ?? []).GroupBy(entry => (entry.KeyPath, entry.InlineKey)))
        {
            var first = sharing.First();
            int others = sharing.Count() - 1;
            string what = others == 0 ? $"KeyTable entry '{first.Name}'" : $"KeyTable entry '{first.Name}' (and {others} more naming the same key)";
            CheckKey(first.KeyPath, first.InlineKey, what, first.Source, first.Line, requireSafeKeys, diagnostics);
        }

        if (config.Find("KeyFile") is { } keyFile)
        {
            CheckKey(keyFile.Value, null, "KeyFile", keyFile.File, keyFile.Line, requireSafeKeys, diagnostics);
        }

        CheckConflicts(config, diagnostics);

        diagnostics.AddRange(problems.Select(ConfigDiagnostic.From));
        return diagnostics;
    }

    /// <summary>Settings that cancel or need each other, which OpenDKIM resolves silently.</summary>
    private static void CheckConflicts(ConfigFile config, List<ConfigDiagnostic> diagnostics)
    {
        var keyTable = config.Find("KeyTable");
        var signingTable = config.Find("SigningTable");
        if (keyTable is not null)
        {
            foreach (var ignored in new[] { config.Find("KeyFile"), config.Find("Selector") })
            {
                if (ignored is not null)
                {
                    diagnostics.Add(new ConfigDiagnostic(false, ignored.File, ignored.Line, $"{ignored.Name} is ignored because KeyTable is set (line {keyTable.Line})",
                        "single-key mode (Domain, KeyFile, Selector) and KeyTable/SigningTable do not mix: remove one"));
                }
            }

            if (signingTable is null)
            {
                diagnostics.Add(new ConfigDiagnostic(false, keyTable.File, keyTable.Line, "KeyTable without SigningTable: no message will be signed",
                    "add SigningTable refile:/etc/opendkim/SigningTable naming which senders use which key"));
            }

            return;
        }

        var keyFile = config.Find("KeyFile");
        var selector = config.Find("Selector");
        var domain = config.Find("Domain");
        if (keyFile is not null && (selector is null || domain is null))
        {
            diagnostics.Add(new ConfigDiagnostic(true, keyFile.File, keyFile.Line, $"KeyFile needs {(selector is null ? "Selector" : "Domain")} too",
                "single-key mode signs mail from the Domain list with KeyFile under Selector"));
        }
        else if (keyFile is null && selector is not null && domain is not null)
        {
            diagnostics.Add(new ConfigDiagnostic(false, selector.File, selector.Line, "Domain and Selector are set but neither KeyFile nor KeyTable: no message will be signed",
                "add KeyFile /etc/opendkim/keys/DOMAIN/SELECTOR.private, or a KeyTable and SigningTable"));
        }
    }

    private static void CheckKeyNames(SigningTable signingTable, KeyTable keyTable, List<ConfigDiagnostic> diagnostics)
    {
        foreach (var entry in signingTable.Entries)
        {
            if (keyTable.Find(entry.KeyName) is not null)
            {
                continue;
            }

            // "name:signer" where name:signer with ':' -> '.' is a key name: the seed's typo exactly.
            string whole = entry.Signer is null ? entry.KeyName : $"{entry.KeyName}:{entry.Signer}";
            string? dotted = entry.Signer is null ? null : keyTable.Entries.FirstOrDefault(key => key.Name.Equals(whole.Replace(':', '.'), StringComparison.OrdinalIgnoreCase))?.Name;
            string? nearest = dotted ?? Nearest(whole, keyTable.Entries.Select(key => key.Name));
            string hint = dotted is not null
                ? $"did you mean {dotted}? The value has ':' where the KeyTable name has '.': after a ':' OpenDKIM reads a signer (i=), so it looks for a key named '{entry.KeyName}'"
                : nearest is not null
                    ? $"did you mean {nearest}?"
                    : "add the key to the KeyTable or correct the name";
            diagnostics.Add(new ConfigDiagnostic(true, entry.Source, entry.Line,
                $"SigningTable entry '{entry.Pattern}' names key '{entry.KeyName}', which is not in the KeyTable (mail from these senders would be tempfailed)", hint));
        }
    }

    private static void CheckKey(string? path, string? inlineKey, string what, string file, int line, bool requireSafeKeys, List<ConfigDiagnostic> diagnostics)
    {
        try
        {
            using var key = path is not null ? PrivateKeyLoader.LoadFile(path) : PrivateKeyLoader.Parse(inlineKey!, $"{what} (inline)");
        }
        catch (KeyFormatException ex)
        {
            diagnostics.Add(new ConfigDiagnostic(true, file, line, $"{what}: {ex.Message}"));
            return;
        }

        if (path is null || !requireSafeKeys)
        {
            return;
        }

        foreach (var finding in KeyFileSafety.Check(path))
        {
            diagnostics.Add(new ConfigDiagnostic(true, file, line, $"{what}: key data is not secure: {finding.Path}: {finding.Problem}",
                $"fix: {finding.Fix}; or set RequireSafeKeys no"));
        }
    }

    private static Dataset? Load(ConfigEntry setting, List<ConfigDiagnostic> diagnostics)
    {
        try
        {
            return DatasetParser.Load(setting);
        }
        catch (ConfigurationException ex)
        {
            diagnostics.Add(ConfigDiagnostic.From(ex));
            return null;
        }
    }

    private static T TryGet<T>(Func<T> read, List<ConfigDiagnostic> diagnostics, T fallback)
    {
        try
        {
            return read();
        }
        catch (ConfigurationException ex)
        {
            diagnostics.Add(ConfigDiagnostic.From(ex));
            return fallback;
        }
    }

    private static string? Nearest(string name, IEnumerable<string> candidates) =>
        candidates.Select(candidate => (candidate, distance: EditDistance.Between(candidate.ToUpperInvariant(), name.ToUpperInvariant())))
            .Where(pair => pair.distance <= Math.Max(2, name.Length / 4))
            .OrderBy(pair => pair.distance)
            .Select(pair => pair.candidate)
            .FirstOrDefault();
}
