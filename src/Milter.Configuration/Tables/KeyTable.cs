using Milter.Configuration.Datasets;

namespace Milter.Configuration.Tables;

/// <summary>The KeyTable: key names to <c>domain:selector:keypath</c>.</summary>
public sealed class KeyTable
{
    private readonly Dictionary<string, KeyTableEntry> _entries;

    private readonly DatasetKind _kind;

    private KeyTable(Dictionary<string, KeyTableEntry> entries, DatasetKind kind)
    {
        _entries = entries;
        _kind = kind;
    }

    /// <summary>Entries by name.</summary>
    public IReadOnlyCollection<KeyTableEntry> Entries => _entries.Values;

    /// <summary>The entry called <paramref name="name"/> (names compare ignoring case), or null.</summary>
    public KeyTableEntry? Find(string name)
    {
        var entry = _entries.GetValueOrDefault(name);
        DatasetLookups.Count(_kind, entry is not null);
        return entry;
    }

    /// <summary>Builds the table, reporting malformed lines with their file and line.</summary>
    public static KeyTable From(Dataset dataset, ICollection<ConfigurationException> problems)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(problems);
        var entries = new Dictionary<string, KeyTableEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in dataset.Entries)
        {
            var parts = line.Value.Split(':', 3);
            if (parts.Length != 3 || parts.Any(part => part.Trim().Length == 0))
            {
                problems.Add(new ConfigurationException(line.Source, line.Line, $"KeyTable entry '{line.Key}' is not domain:selector:keypath",
                    $"write e.g. {line.Key} example.com:mail:/etc/opendkim/keys/example.com/mail.private"));
                continue;
            }

            string keyPath = parts[2].Trim();
            bool isPath = keyPath.StartsWith('/') || keyPath.StartsWith("./", StringComparison.Ordinal) || keyPath.StartsWith("../", StringComparison.Ordinal);
            var entry = new KeyTableEntry(line.Key, parts[0].Trim(), parts[1].Trim(), isPath ? keyPath : null, isPath ? null : keyPath, line.Source, line.Line);
            if (!entries.TryAdd(line.Key, entry))
            {
                // OpenDKIM uses the first; say so rather than let the second silently lose.
                var first = entries[line.Key];
                problems.Add(new ConfigurationException(line.Source, line.Line, $"KeyTable name '{line.Key}' appears twice; the first ({first.Source}:{first.Line}) is used"));
            }
        }

        return new KeyTable(entries, dataset.Kind);
    }
}
