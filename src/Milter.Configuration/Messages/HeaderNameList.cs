using Milter.Configuration.Datasets;

namespace Milter.Configuration.Messages;

/// <summary>
/// A list of header names as SignHeaders, OmitHeaders, OversignHeaders and SenderHeaders take it
/// (opendkim.conf(5), OmitHeaders): a list replaces the default entirely, unless one entry is "*", which makes the
/// list a change to the default: "*,+X-Mailer" adds X-Mailer, "*,-Bcc" removes Bcc. Names compare
/// case-insensitively; order is kept (SenderHeaders is an ordered list).
/// </summary>
public static class HeaderNameList
{
    /// <summary>The names <paramref name="dataset"/> gives, starting from <paramref name="defaults"/>; null dataset: the defaults.</summary>
    public static IReadOnlyList<string> From(Dataset? dataset, IEnumerable<string> defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        if (dataset is null)
        {
            return defaults.ToList();
        }

        var entries = dataset.Keys.Select(key => key.Trim()).Where(key => key.Length > 0).ToList();
        bool delta = entries.Contains("*");
        var names = delta ? defaults.ToList() : [];
        foreach (string entry in entries.Where(entry => entry != "*"))
        {
            if (entry[0] == '-' && delta)
            {
                names.RemoveAll(name => name.Equals(entry[1..], StringComparison.OrdinalIgnoreCase));
            }
            else
            {
                string name = entry[0] == '+' && delta ? entry[1..] : entry;
                if (!names.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    names.Add(name);
                }
            }
        }

        return names;
    }
}
