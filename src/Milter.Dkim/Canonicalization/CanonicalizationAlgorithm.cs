using System.Diagnostics.CodeAnalysis;

namespace Milter.Dkim.Canonicalization;

/// <summary>RFC 6376 §3.4 canonicalization algorithms.</summary>
public enum CanonicalizationAlgorithm
{
    /// <summary>"simple": tolerates almost no modification.</summary>
    Simple,
    /// <summary>"relaxed": tolerates whitespace changes and header re-folding.</summary>
    Relaxed,
}

/// <summary>The c= pair: header/body.</summary>
public readonly record struct Canonicalizations(CanonicalizationAlgorithm Header, CanonicalizationAlgorithm Body)
{
    /// <summary>simple/simple, the default when c= is absent.</summary>
    public static Canonicalizations Default { get; } = new(CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Simple);

    /// <summary>
    /// Parses "header/body" or a single word, which RFC 6376 §3.5 reads as the header algorithm with a simple
    /// body ("c=relaxed" = relaxed/simple). Case-insensitive, as OpenDKIM's Canonicalization setting is.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Canonicalizations? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var parts = text.Trim().Split('/');
        if (parts.Length > 2 || !TryParseOne(parts[0], out var header))
        {
            return false;
        }

        var body = CanonicalizationAlgorithm.Simple;
        if (parts.Length == 2 && !TryParseOne(parts[1], out body))
        {
            return false;
        }

        value = new Canonicalizations(header, body);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name(Header)}/{Name(Body)}";

    private static string Name(CanonicalizationAlgorithm algorithm) => algorithm == CanonicalizationAlgorithm.Simple ? "simple" : "relaxed";

    private static bool TryParseOne(string text, out CanonicalizationAlgorithm algorithm)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "simple": algorithm = CanonicalizationAlgorithm.Simple; return true;
            case "relaxed": algorithm = CanonicalizationAlgorithm.Relaxed; return true;
            default: algorithm = default; return false;
        }
    }
}
