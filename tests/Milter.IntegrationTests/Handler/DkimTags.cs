namespace Milter.IntegrationTests.Handler;

/// <summary>Reads the tags of a DKIM-Signature value (folding whitespace removed), to check what was signed.</summary>
internal static class DkimTags
{
    public static IReadOnlyDictionary<string, string> Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string part in value.Split(';'))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            string name = part[..equals].Trim();
            tags[name] = string.Concat(part[(equals + 1)..].Where(c => !char.IsWhiteSpace(c)));
        }

        return tags;
    }

    /// <summary>The first 8 characters of b=: what OpenDKIM's A-R shows as header.b.</summary>
    public static string ShortB(string value) => Parse(value)["b"][..8];
}
