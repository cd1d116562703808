namespace Milter.Dkim;

/// <summary>Signing algorithms (a= tag).</summary>
public enum DkimAlgorithm
{
    /// <summary>rsa-sha256 (RFC 6376).</summary>
    RsaSha256,
    /// <summary>ed25519-sha256 (RFC 8463).</summary>
    Ed25519Sha256,
    /// <summary>rsa-sha1: recognised so that it can be refused (RFC 8301); never signed, never a pass.</summary>
    RsaSha1,
}

/// <summary>Names of <see cref="DkimAlgorithm"/> values as they appear in a= and SignatureAlgorithm.</summary>
public static class DkimAlgorithms
{
    /// <summary>The tag value, e.g. "rsa-sha256".</summary>
    public static string ToTagValue(this DkimAlgorithm algorithm) => algorithm switch
    {
        DkimAlgorithm.RsaSha256 => "rsa-sha256",
        DkimAlgorithm.Ed25519Sha256 => "ed25519-sha256",
        DkimAlgorithm.RsaSha1 => "rsa-sha1",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>Parses an a= value (case-insensitive).</summary>
    public static bool TryParse(string? value, out DkimAlgorithm algorithm)
    {
        switch (value?.ToLowerInvariant())
        {
            case "rsa-sha256": algorithm = DkimAlgorithm.RsaSha256; return true;
            case "ed25519-sha256": algorithm = DkimAlgorithm.Ed25519Sha256; return true;
            case "rsa-sha1": algorithm = DkimAlgorithm.RsaSha1; return true;
            default: algorithm = default; return false;
        }
    }

    /// <summary>The key type (k=) an algorithm needs: "rsa" or "ed25519".</summary>
    public static string KeyType(this DkimAlgorithm algorithm) => algorithm == DkimAlgorithm.Ed25519Sha256 ? "ed25519" : "rsa";
}
