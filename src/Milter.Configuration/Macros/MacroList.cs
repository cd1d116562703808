using Milter.Configuration.Datasets;

namespace Milter.Configuration.Macros;

/// <summary>
/// MacroList (opendkim.conf(5)): MTA macros that mark a message as coming from a local user, e.g.
/// <c>daemon_name=ORIGINATING</c> for Postfix's submission service. The message is local if any entry is met:
/// its macro is set (an empty value counts as set) and, if the entry lists values, equal to one of them
/// (case-sensitive). Checked against OpenDKIM 2.11 with miltertest, including the two places where this reads
/// the configuration as intended rather than as OpenDKIM does: a braced name (<c>{daemon_name}</c>) and a file
/// line written <c>name=value</c> both work here, while OpenDKIM silently never matches them.
/// </summary>
public sealed class MacroList
{
    private MacroList(IReadOnlyList<MacroCondition> conditions) => Conditions = conditions;

    /// <summary>The entries, in dataset order.</summary>
    public IReadOnlyList<MacroCondition> Conditions { get; }

    /// <summary>Builds the list from a dataset (<see cref="DatasetParser.Load"/>).</summary>
    /// <exception cref="ConfigurationException">A malformed entry, with its file and line.</exception>
    public static MacroList From(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new MacroList(dataset.Entries.Select(MacroCondition.Parse).ToList());
    }

    /// <summary>
    /// True if some entry is met. <paramref name="lookupMacro"/> is asked for each macro by its name without
    /// braces (<c>daemon_name</c>, <c>i</c>) and returns its value, or null when the MTA did not send it; like
    /// libmilter's look-up (and Milter.Protocol's MacroStore), it should find <c>{daemon_name}</c> by that name.
    /// </summary>
    public bool Matches(Func<string, string?> lookupMacro)
    {
        ArgumentNullException.ThrowIfNull(lookupMacro);
        return FirstMatch(lookupMacro) is not null;
    }

    /// <summary>The first entry that is met, or null: for "why was this signed" explanations.</summary>
    public MacroCondition? FirstMatch(Func<string, string?> lookupMacro)
    {
        ArgumentNullException.ThrowIfNull(lookupMacro);
        return Conditions.FirstOrDefault(condition => condition.IsMetBy(lookupMacro(condition.Name)));
    }
}
