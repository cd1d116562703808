using Milter.Configuration.Datasets;
using Milter.Configuration.Datasets.PostgreSql;

namespace Milter.Configuration.Tables;

/// <summary>
/// The SigningTable: which key signs mail from which sender (the From address, not the envelope). Values are
/// <c>keyname[:signer]</c>; a signer's <c>%</c> is the sender's domain. With <c>refile:</c> each entry is a
/// glob tried against <c>user@domain</c> in file order; with other types the candidates <c>user@host</c>,
/// <c>host</c>, then each parent domain (<c>user@.parent</c>, <c>.parent</c>), then <c>user@*</c> and <c>*</c>
/// are looked up in that order (OpenDKIM's order). Matching ignores case.
/// </summary>
public sealed class SigningTable
{
    // What of the dataset look-ups need (not its entries: they are parsed into Entries, and 100,000 of them twice
    // would be a waste of memory).
    private readonly DatasetKind _kind;
    private readonly PgsqlTable? _database;

    // Exact-key tables (file:, csl:): entries by pattern, file order kept within a pattern, so that each candidate
    // is one hash probe however many domains the table holds.
    private readonly ILookup<string, SigningTableMatch> _byPattern;

    private SigningTable(Dataset dataset, IReadOnlyList<SigningTableMatch> entries)
    {
        _kind = dataset.Kind;
        _database = dataset.Database;
        Entries = entries;
        _byPattern = entries.ToLookup(entry => entry.Pattern, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Every entry, parsed, in file order.</summary>
    public IReadOnlyList<SigningTableMatch> Entries { get; }

    /// <summary>Builds the table.</summary>
    public static SigningTable From(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var entries = dataset.Entries.Select(Parse).ToList();
        return new SigningTable(dataset, entries);
    }

    /// <summary>
    /// The entries that apply to <paramref name="address"/> (user@domain), best first: all of them for
    /// MultipleSignatures, otherwise callers take the first.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">A database SigningTable that cannot answer now.</exception>
    public IReadOnlyList<SigningTableMatch> Match(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        int at = address.LastIndexOf('@');
        string user = at < 0 ? "" : address[..at];
        string domain = at < 0 ? address : address[(at + 1)..];
        if (_database is { } database)
        {
            // One query for every candidate not cached; OpenDKIM's order decides among those found. Like OpenDKIM, the
            // domain is lower-cased and the local part kept as written (the database compares exactly).
            var candidates = Candidates(user, domain.ToLowerInvariant()).ToList();
            var values = database.LookupMany(candidates);
            var found = new List<SigningTableMatch>();
            for (int i = 0; i < candidates.Count; i++)
            {
                if (values[i] is { } value)
                {
                    found.Add(WithSigner(Parse(new DatasetEntry(candidates[i], value, database.Dsn.Location, 0)), domain));
                }
            }

            return found;
        }

        if (_kind == DatasetKind.Patterns)
        {
            string subject = $"{user}@{domain}";
            var found = Entries.Where(entry => Glob.IsMatch(entry.Pattern, subject)).Select(entry => WithSigner(entry, domain)).ToList();
            DatasetLookups.Count(_kind, found.Count > 0);
            return found;
        }

        var matches = new List<SigningTableMatch>();
        foreach (string candidate in Candidates(user, domain))
        {
            foreach (var entry in _byPattern[candidate])
            {
                matches.Add(WithSigner(entry, domain));
            }
        }

        DatasetLookups.Count(_kind, matches.Count > 0);
        return matches;
    }

    private static IEnumerable<string> Candidates(string user, string domain)
    {
        yield return $"{user}@{domain}";
        yield return domain;
        for (int dot = domain.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = domain.IndexOf('.', dot + 1))
        {
            string parent = domain[dot..];
            yield return $"{user}@{parent}";
            yield return parent;
        }

        yield return $"{user}@*";
        yield return "*";
    }

    private static SigningTableMatch Parse(DatasetEntry entry)
    {
        int colon = entry.Value.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? new SigningTableMatch(entry.Key, entry.Value, null, entry.Source, entry.Line)
            : new SigningTableMatch(entry.Key, entry.Value[..colon], entry.Value[(colon + 1)..], entry.Source, entry.Line);
    }

    private static SigningTableMatch WithSigner(SigningTableMatch entry, string domain) =>
        entry.Signer is { } signer ? entry with { Signer = signer.Replace("%", domain, StringComparison.Ordinal) } : entry;
}
