namespace Milter.Configuration.Datasets;

/// <summary>How one dataset look-up ended, for <see cref="DatasetLookups"/>.</summary>
public enum DatasetLookupResult
{
    /// <summary>An entry matched.</summary>
    Found,
    /// <summary>No entry matched.</summary>
    NotFound,
    /// <summary>The backend could not answer (a database that is down, say).</summary>
    Error,
}

/// <summary>Counts dataset look-ups; the daemon's metrics implement it (<c>dkim_milter_dataset_lookups_total</c>).</summary>
public interface IDatasetLookupCounter
{
    /// <summary>One look-up in a dataset of <paramref name="backend"/> (file, refile, csl, pgsql...) ended with <paramref name="result"/>.</summary>
    void Count(string backend, DatasetLookupResult result);
}

/// <summary>
/// Where every table backend reports its look-ups at run time: the SigningTable and KeyTable read from file:, refile:
/// or csl: datasets (<c>backend</c> file, refile, csl) report through <see cref="Count(DatasetKind, bool)"/>; any other
/// backend (a database) calls <see cref="Count(string, DatasetLookupResult)"/> the same way, with its own backend name (a
/// constant, as it becomes a label value).
/// Nothing is counted until the daemon sets <see cref="Counter"/> (MetricsSocket); then a look-up costs one call.
/// </summary>
public static class DatasetLookups
{
    /// <summary>The counter, or null when metrics are off.</summary>
    public static IDatasetLookupCounter? Counter { get; set; }

    /// <summary>Reports one look-up (no-op when metrics are off).</summary>
    public static void Count(string backend, DatasetLookupResult result) => Counter?.Count(backend, result);

    /// <summary>Reports one look-up in a dataset read from a file or the setting.</summary>
    public static void Count(DatasetKind kind, bool found) =>
        Counter?.Count(kind switch { DatasetKind.File => "file", DatasetKind.Patterns => "refile", _ => "csl" },
            found ? DatasetLookupResult.Found : DatasetLookupResult.NotFound);
}
