namespace Milter.Dkim.Keys;

/// <summary>Algorithm OIDs met in key files and key records, with plain names for error messages.</summary>
internal static class Oids
{
    public const string RsaEncryption = "1.2.840.113549.1.1.1";
    public const string RsaPss = "1.2.840.113549.1.1.10";
    public const string Ed25519 = "1.3.101.112";
    public const string Ed448 = "1.3.101.113";
    public const string X25519 = "1.3.101.110";
    public const string X448 = "1.3.101.111";
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string Dsa = "1.2.840.10040.4.1";

    /// <summary>"an RSA", "an Ed25519", ... for "p= holds an Ed25519 key".</summary>
    public static string Describe(string oid) => oid switch
    {
        RsaEncryption => "an RSA",
        RsaPss => "an RSA-PSS",
        Ed25519 => "an Ed25519",
        Ed448 => "an Ed448",
        X25519 => "an X25519",
        X448 => "an X448",
        EcPublicKey => "an EC (ECDSA)",
        Dsa => "a DSA",
        _ => $"an unknown ({oid})",
    };
}
