using Milter.Configuration.Datasets.PostgreSql;

namespace Milter.Configuration.Datasets;

/// <summary>
/// An OpenDKIM dataset (opendkim.conf(5) "DATA SETS"): an ordered list of key/value entries read from a
/// file (<c>file:</c>, or a bare path), a file of glob patterns (<c>refile:</c>), or the setting itself
/// (<c>csl:</c>, or a bare comma-separated list). Look-ups ignore case, as OpenDKIM's do for mail addresses
/// and host names.
/// </summary>
public sealed class Dataset
{
    // Exact-key datasets: the first entry of each key, so that a look-up in a table of 100,000 domains is one hash
    // probe rather than a scan; made at the first look-up (the KeyTable and SigningTable index their own entries and
    // never ask). Patterns are tried in order and keep the scan.
    private Dictionary<string, DatasetEntry>? _firstByKey;

    internal Dataset(DatasetKind kind, string description, IReadOnlyList<DatasetEntry> entries)
    {
        Kind = kind;
        Description = description;
        Entries = entries;
    }

    internal Dataset(string description, PgsqlTable database)
        : this(DatasetKind.Database, description, [])
    {
        Database = database;
    }

    /// <summary>The PostgreSQL table of a <c>dsn:pgsql://</c> dataset (its <see cref="Entries"/> are then empty: keys are looked up one by one).</summary>
    public PgsqlTable? Database { get; }

    /// <summary>How the entries are matched.</summary>
    public DatasetKind Kind { get; }

    /// <summary>The setting as written, e.g. "refile:/etc/opendkim/SigningTable".</summary>
    public string Description { get; }

    /// <summary>Entries in file order.</summary>
    public IReadOnlyList<DatasetEntry> Entries { get; }

    /// <summary>An empty dataset.</summary>
    public static Dataset Empty { get; } = new(DatasetKind.List, "(empty)", []);

    /// <summary>
    /// The first entry matching <paramref name="key"/>: by glob for <c>refile:</c> (in file order), by equality
    /// otherwise.
    /// </summary>
    public DatasetEntry? Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (Database is not null)
        {
            return Database.Lookup(key) is { } value ? new DatasetEntry(key, value, Database.Dsn.Location, 0) : null;
        }

        if (Kind is DatasetKind.File or DatasetKind.List)
        {
            return LazyInitializer.EnsureInitialized(ref _firstByKey, IndexByKey).GetValueOrDefault(key);
        }

        foreach (var entry in Entries)
        {
            if (Glob.IsMatch(entry.Key, key))
            {
                return entry;
            }
        }

        return null;
    }

    private Dictionary<string, DatasetEntry> IndexByKey()
    {
        var index = new Dictionary<string, DatasetEntry>(Entries.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var entry in Entries)
        {
            index.TryAdd(entry.Key, entry);
        }

        return index;
    }

    /// <summary>True if some entry matches <paramref name="key"/>.</summary>
    public bool Contains(string key) => Find(key) is not null;

    /// <summary>The keys, in order (for lists like OversignHeaders or InternalHosts).</summary>
    public IEnumerable<string> Keys => Entries.Select(entry => entry.Key);
}

/// <summary>How a dataset matches keys.</summary>
public enum DatasetKind
{
    /// <summary><c>file:</c> or a bare path: exact keys.</summary>
    File,
    /// <summary><c>refile:</c>: keys are glob patterns, tried in order.</summary>
    Patterns,
    /// <summary><c>csl:</c> or a bare list in the setting: exact keys.</summary>
    List,
    /// <summary><c>dsn:pgsql://</c>: exact keys, looked up in PostgreSQL and cached.</summary>
    Database,
}
