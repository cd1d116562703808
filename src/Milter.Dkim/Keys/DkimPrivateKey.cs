namespace Milter.Dkim.Keys;

/// <summary>
/// A private key ready to sign. Parsed once (at start-up or reload) and reused for every message; safe to use
/// from several threads at once.
/// </summary>
public abstract class DkimPrivateKey : IDisposable
{
    /// <summary>The algorithm this key signs with (rsa-sha256 or ed25519-sha256).</summary>
    public abstract DkimAlgorithm Algorithm { get; }

    /// <summary>Key size in bits: the RSA modulus length, or 256 for Ed25519.</summary>
    public abstract int KeyBits { get; }

    /// <summary>The matching public key (to print a DNS record or check one).</summary>
    public abstract DkimPublicKey PublicKey { get; }

    /// <summary>
    /// Signs the SHA-256 hash of the header hash input: RSASSA-PKCS1-v1_5 for RSA, PureEdDSA over the 32-byte
    /// hash for Ed25519 (RFC 8463 §3).
    /// </summary>
    public abstract byte[] SignHash(ReadOnlySpan<byte> sha256);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases key material.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
