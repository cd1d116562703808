using Milter.Configuration.Datasets;
using Milter.Configuration.Datasets.PostgreSql;

namespace Milter.Configuration.Tables;

/// <summary>The KeyTable: key names to <c>domain:selector:keypath</c>.</summary>
public sealed class KeyTable
{
    private readonly Dictionary<string, KeyTableEntry> _entries;
    private readonly PgsqlTable? _database;

    /// <summary>Made once: a method group passed per look-up would allocate a delegate per message.</summary>
    private readonly Func<string, string, KeyTableEntry> _parseRow;

    private readonly DatasetKind _kind;

    private KeyTable(Dictionary<string, KeyTableEntry> entries, DatasetKind kind, PgsqlTable? database = null)
    {
        _entries = entries;
        _kind = kind;
        _database = database;
        _parseRow = ParseRow;
    }

    /// <summary>Entries by name (none for a database KeyTable: its rows are read when a decision needs them).</summary>
    public IReadOnlyCollection<KeyTableEntry> Entries => _entries.Values;

    /// <summary>The entry called <paramref name="name"/> (names compare ignoring case), or null.</summary>
    /// <exception cref="DatasetUnavailableException">A database KeyTable that cannot answer now, or whose row is not domain:selector:key.</exception>
    public KeyTableEntry? Find(string name)
    {
        if (_database is null)
        {
            var entry = _entries.GetValueOrDefault(name);
            DatasetLookups.Count(_kind, entry is not null);
            return entry;
        }

        // Parsed once per row value and kept with the cached row: a warm look-up allocates nothing, and returns the same
        // entry, so the key loaded for it is found by reference.
        return _database.Lookup(name, _parseRow);
    }

    /// <summary>Builds the table, reporting malformed lines with their file and line.</summary>
    public static KeyTable From(Dataset dataset, ICollection<ConfigurationException> problems)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(problems);
        var entries = new Dictionary<string, KeyTableEntry>(StringComparer.OrdinalIgnoreCase);
        if (dataset.Kind == DatasetKind.Database)
        {
            return new KeyTable(entries, dataset.Kind, dataset.Database);
        }

        foreach (var line in dataset.Entries)
        {
            if (Parse(line, problems) is not { } entry)
            {
                continue;
            }

            if (!entries.TryAdd(line.Key, entry))
            {
                // OpenDKIM uses the first; say so rather than let the second silently lose.
                var first = entries[line.Key];
                problems.Add(new ConfigurationException(line.Source, line.Line, $"KeyTable name '{line.Key}' appears twice; the first ({first.Source}:{first.Line}) is used"));
            }
        }

        return new KeyTable(entries, dataset.Kind);
    }

    /// <summary>A database row (the key lower-cased, as the table caches it) as an entry marked <see cref="KeyTableEntry.IsDatabaseRow"/>.</summary>
    /// <exception cref="DatasetUnavailableException">The row is not domain:selector:key.</exception>
    private KeyTableEntry ParseRow(string name, string value)
    {
        var problems = new List<ConfigurationException>();
        return Parse(new DatasetEntry(name, value, _database!.Dsn.Location, 0), problems, isDatabaseRow: true)
            ?? throw new DatasetUnavailableException($"KeyTable row '{name}' in {_database.Dsn.Location} is not domain:selector:key (or domain, selector and key columns)");
    }

    /// <summary>
    /// One KeyTable value (<c>domain:selector:key</c>, as a file line or a database row's joined columns) as an entry,
    /// or null with the mistake added to <paramref name="problems"/>.
    /// </summary>
    public static KeyTableEntry? Parse(DatasetEntry line, ICollection<ConfigurationException> problems, bool isDatabaseRow = false)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(problems);
        var parts = line.Value.Split(':', 3);
        if (parts.Length != 3 || parts.Any(part => part.Trim().Length == 0))
        {
            problems.Add(new ConfigurationException(line.Source, line.Line, $"KeyTable entry '{line.Key}' is not domain:selector:keypath",
                $"write e.g. {line.Key} example.com:mail:/etc/opendkim/keys/example.com/mail.private"));
            return null;
        }

        string keyPath = parts[2].Trim();
        bool isPath = keyPath.StartsWith('/') || keyPath.StartsWith("./", StringComparison.Ordinal) || keyPath.StartsWith("../", StringComparison.Ordinal);
        return new KeyTableEntry(line.Key, parts[0].Trim(), parts[1].Trim(), isPath ? keyPath : null, isPath ? null : keyPath, line.Source, line.Line)
        {
            IsDatabaseRow = isDatabaseRow,
        };
    }
}
