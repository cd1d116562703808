namespace Milter.Configuration.Tables;

/// <summary>A SigningTable entry that applies to a sender: the key to use and, if the entry names one, the signer (i=).</summary>
public sealed record SigningTableMatch(string Pattern, string KeyName, string? Signer, string Source, int Line);
