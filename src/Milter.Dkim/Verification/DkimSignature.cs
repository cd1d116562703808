using Milter.Dkim.Canonicalization;

namespace Milter.Dkim.Verification;

/// <summary>A parsed, syntactically valid DKIM-Signature field (RFC 6376 §3.5).</summary>
public sealed record DkimSignature
{
    /// <summary>The field as it stands in the message (for the header hash).</summary>
    public required HeaderField Field { get; init; }

    /// <summary>a=.</summary>
    public required DkimAlgorithm Algorithm { get; init; }

    /// <summary>a= as written.</summary>
    public required string AlgorithmText { get; init; }

    /// <summary>b= decoded.</summary>
    public required byte[] Signature { get; init; }

    /// <summary>b= as written, whitespace removed (for header.b).</summary>
    public required string SignatureText { get; init; }

    /// <summary>bh= decoded.</summary>
    public required byte[] BodyHash { get; init; }

    /// <summary>c=.</summary>
    public required Canonicalizations Canonicalization { get; init; }

    /// <summary>d=.</summary>
    public required string Domain { get; init; }

    /// <summary>h=, in order.</summary>
    public required IReadOnlyList<string> SignedHeaders { get; init; }

    /// <summary>i= decoded, or "@d" when absent.</summary>
    public required string Identity { get; init; }

    /// <summary>True if i= was present.</summary>
    public required bool HasIdentity { get; init; }

    /// <summary>l=, or null.</summary>
    public long? BodyLength { get; init; }

    /// <summary>s=.</summary>
    public required string Selector { get; init; }

    /// <summary>t=, or null.</summary>
    public long? Timestamp { get; init; }

    /// <summary>x=, or null.</summary>
    public long? Expiration { get; init; }
}
