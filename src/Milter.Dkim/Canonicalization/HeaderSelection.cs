namespace Milter.Dkim.Canonicalization;

/// <summary>
/// Which header instances an h= list covers (RFC 6376 §5.4.2): each occurrence of a name takes the next instance
/// of that name counting from the bottom of the header block upward; names differing only in case share one
/// counter; a name listed more often than present (oversigning) selects nothing for the extra occurrences.
/// </summary>
public static class HeaderSelection
{
    /// <summary>For each name in <paramref name="signedNames"/>, the selected field or null.</summary>
    public static List<HeaderField?> Select(IReadOnlyList<HeaderField> headers, IReadOnlyList<string> signedNames)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(signedNames);
        var used = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var selected = new List<HeaderField?>(signedNames.Count);
        foreach (string name in signedNames)
        {
            int skip = used.GetValueOrDefault(name);
            used[name] = skip + 1;
            HeaderField? found = null;
            for (int i = headers.Count - 1; i >= 0; i--)
            {
                if (headers[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase) && skip-- == 0)
                {
                    found = headers[i];
                    break;
                }
            }

            selected.Add(found);
        }

        return selected;
    }
}
