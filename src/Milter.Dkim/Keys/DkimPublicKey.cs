namespace Milter.Dkim.Keys;

/// <summary>A public key from a DNS key record (or derived from a private key), ready to verify.</summary>
public abstract class DkimPublicKey
{
    /// <summary>The algorithm family: <see cref="DkimAlgorithm.RsaSha256"/> for any RSA key (it also verifies
    /// rsa-sha1, which policy refuses), <see cref="DkimAlgorithm.Ed25519Sha256"/> for Ed25519.</summary>
    public abstract DkimAlgorithm Algorithm { get; }

    /// <summary>Key size in bits: the RSA modulus length, or 256 for Ed25519.</summary>
    public abstract int KeyBits { get; }

    /// <summary>Verifies a signature over a header-hash-input hash (SHA-256, or SHA-1 for rsa-sha1).</summary>
    public abstract bool VerifyHash(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature, System.Security.Cryptography.HashAlgorithmName hashAlgorithm);

    /// <summary>The key as a key record's p= value (base64 SubjectPublicKeyInfo for RSA, raw 32 bytes for Ed25519).</summary>
    public abstract string ToRecordValue();
}
