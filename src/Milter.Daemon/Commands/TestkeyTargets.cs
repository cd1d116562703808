using Milter.Configuration;
using Milter.Configuration.Datasets;
using Milter.Configuration.Tables;

namespace Milter.Daemon.Commands;

/// <summary>
/// Which keys <c>dkim-milter testkey</c> checks, read with the configuration library the daemon uses: every
/// KeyTable entry, or (without a KeyTable) the single KeyFile with Selector for each Domain entry; or the one key
/// named by -d and -s, its private key from -k or else from the configuration's entry for that domain and selector.
/// </summary>
internal sealed class TestkeyTargets
{
    /// <summary>The keys to check, in the configuration's order.</summary>
    public List<TestkeyTarget> Keys { get; } = [];

    /// <summary>Keys that cannot be checked, with why (a KeyTable domain of %, a Domain pattern).</summary>
    public List<TestkeyFinding> Skipped { get; } = [];

    /// <summary>Mistakes in the configuration's tables (file:line: problem).</summary>
    public List<string> ConfigurationProblems { get; } = [];

    /// <summary>Every key of <paramref name="config"/>.</summary>
    public static TestkeyTargets FromConfiguration(ConfigFile config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var targets = new TestkeyTargets();
        if (targets.ReadKeyTable(config) is { } keyTable)
        {
            foreach (var entry in keyTable.Entries.OrderBy(e => e.Source, StringComparer.Ordinal).ThenBy(e => e.Line))
            {
                if (entry.UsesSenderDomain)
                {
                    targets.Skipped.Add(new TestkeyFinding(entry.Name, FindingKind.Skipped,
                        $"the domain is % (each sender's own); test it for a domain with -d DOMAIN -s {entry.Selector}{KeyOption(entry)}"));
                    continue;
                }

                targets.Keys.Add(new TestkeyTarget(entry.Name, entry.Domain, entry.Selector, entry.KeyPath, entry.InlineKey, entry.KeyDescription));
            }

            return targets;
        }

        if (config.Find("KeyFile") is { } keyFile && config.GetString("Selector") is { } selector)
        {
            // Single-key mode signs for every Domain entry with the one key.
            var domains = targets.Load(config, "Domain");
            if (domains is null || domains.Entries.Count == 0)
            {
                targets.Skipped.Add(new TestkeyFinding($"KeyFile {keyFile.Value}", FindingKind.Skipped,
                    $"no Domain is configured to sign for; test it with -d DOMAIN -s {selector} -k {keyFile.Value}"));
            }

            foreach (var domain in domains?.Entries ?? [])
            {
                if (domains!.Kind == DatasetKind.Patterns || domain.Key.Contains('*', StringComparison.Ordinal))
                {
                    targets.Skipped.Add(new TestkeyFinding(domain.Key, FindingKind.Skipped,
                        $"Domain entry '{domain.Key}' is a pattern; test a domain it covers with -d DOMAIN -s {selector} -k {keyFile.Value}"));
                    continue;
                }

                string name = domain.Key.TrimEnd('.');
                targets.Keys.Add(new TestkeyTarget($"{selector}._domainkey.{name}", name, selector, keyFile.Value, null, keyFile.Value));
            }
        }

        return targets;
    }

    /// <summary>
    /// The key at <paramref name="selector"/>._domainkey.<paramref name="domain"/>: with <paramref name="keyPath"/>
    /// (-k), or the private key the configuration has for that domain and selector, or none (the record alone is checked).
    /// </summary>
    public static TestkeyTargets ForRecord(string domain, string selector, string? keyPath, ConfigFile? config)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(selector);
        var targets = new TestkeyTargets();
        string name = $"{selector}._domainkey.{domain}";
        if (keyPath is not null)
        {
            targets.Keys.Add(new TestkeyTarget(name, domain, selector, keyPath, null, keyPath));
            return targets;
        }

        TestkeyTarget? configured = null;
        if (config is not null)
        {
            if (targets.ReadKeyTable(config) is { } keyTable)
            {
                configured = keyTable.Entries
                    .Where(e => string.Equals(e.Selector, selector, StringComparison.OrdinalIgnoreCase)
                        && (e.UsesSenderDomain || string.Equals(e.Domain.TrimEnd('.'), domain, StringComparison.OrdinalIgnoreCase)))
                    .OrderBy(e => e.UsesSenderDomain)
                    .Select(e => new TestkeyTarget(e.Name, domain, selector, e.KeyPath, e.InlineKey, e.KeyDescription))
                    .FirstOrDefault();
            }
            else if (config.Find("KeyFile") is { } keyFile && string.Equals(config.GetString("Selector"), selector, StringComparison.OrdinalIgnoreCase))
            {
                configured = new TestkeyTarget(name, domain, selector, keyFile.Value, null, keyFile.Value);
            }
        }

        targets.Keys.Add(configured ?? new TestkeyTarget(name, domain, selector, null, null, "(no private key)"));
        return targets;
    }

    private static string KeyOption(KeyTableEntry entry) => entry.KeyPath is { } path ? $" -k {path}" : "";

    private KeyTable? ReadKeyTable(ConfigFile config)
    {
        if (Load(config, "KeyTable") is not { } dataset)
        {
            return null;
        }

        if (dataset.Database is { } database)
        {
            // Its rows are read key by key when mail needs them; testkey does not list a whole database.
            ConfigurationProblems.Add($"KeyTable {database.Dsn.Location} is in PostgreSQL: testkey checks KeyTable files only; name the key with -d DOMAIN -s SELECTOR [-k KEYFILE]");
            return null;
        }

        var problems = new List<ConfigurationException>();
        var table = KeyTable.From(dataset, problems);
        ConfigurationProblems.AddRange(problems.Select(problem => problem.Message));
        return table;
    }

    private Dataset? Load(ConfigFile config, string name)
    {
        if (config.Find(name) is not { } entry)
        {
            return null;
        }

        try
        {
            return DatasetParser.Load(entry);
        }
        catch (ConfigurationException ex)
        {
            ConfigurationProblems.Add(ex.Message);
            return null;
        }
    }
}
