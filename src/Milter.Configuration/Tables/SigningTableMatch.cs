namespace Milter.Configuration.Tables;

/// <summary>A SigningTable entry that applies to a sender: the key to use and, if the entry names one, the signer (i=).</summary>
public sealed record SigningTableMatch(string Pattern, string KeyName, string? Signer, string Source, int Line)
{
    /// <summary>Where the entry is, for messages: <c>FILE:LINE</c>, or the table of a database row (which has no line).</summary>
    public string Where => Line > 0 ? $"{Source}:{Line}" : Source;
}
