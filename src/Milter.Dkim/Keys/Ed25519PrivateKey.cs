using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Milter.Dkim.Keys;

/// <summary>
/// An Ed25519 signing key (RFC 8463). BouncyCastle signs: .NET has no Ed25519. RFC 8463 §3: "the Ed25519-SHA256
/// signing algorithm computes a message hash as defined in Section 3 of [RFC6376] using SHA-256 as the
/// hash-alg. It signs the hash with the PureEdDSA variant Ed25519" — so the input is the 32-byte hash.
/// </summary>
public sealed class Ed25519PrivateKey : DkimPrivateKey
{
    /// <summary>Seed (private key) length (RFC 8032 §5.1.5).</summary>
    public const int SeedLength = 32;

    private readonly Ed25519PrivateKeyParameters _key;
    private readonly Ed25519PublicKey _publicKey;

    private Ed25519PrivateKey(Ed25519PrivateKeyParameters key)
    {
        _key = key;
        byte[] publicBytes = key.GeneratePublicKey().GetEncoded();
        if (!Ed25519PublicKey.TryCreate(publicBytes, out var publicKey, out string? error))
        {
            // Cannot happen for a key BouncyCastle derived itself.
            throw new CryptographicException(error);
        }

        _publicKey = publicKey;
    }

    /// <inheritdoc />
    public override DkimAlgorithm Algorithm => DkimAlgorithm.Ed25519Sha256;

    /// <inheritdoc />
    public override int KeyBits => 256;

    /// <inheritdoc />
    public override DkimPublicKey PublicKey => _publicKey;

    /// <summary>The key from its 32-byte seed (what RFC 8463 Appendix A and dkimpy call the private key).</summary>
    public static Ed25519PrivateKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"an Ed25519 seed is {SeedLength} bytes, not {seed.Length}", nameof(seed));
        }

        return new Ed25519PrivateKey(new Ed25519PrivateKeyParameters(seed));
    }

    /// <summary>A new random key (for key generation and tests).</summary>
    public static Ed25519PrivateKey Generate()
    {
        Span<byte> seed = stackalloc byte[SeedLength];
        RandomNumberGenerator.Fill(seed);
        try
        {
            return FromSeed(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <inheritdoc />
    public override byte[] SignHash(ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != 32)
        {
            throw new ArgumentException($"expected a 32-byte SHA-256 hash, got {sha256.Length} bytes", nameof(sha256));
        }

        // Ed25519Signer buffers its input and is not thread-safe, while SignHash is called from many threads on
        // one key: a signer per call (cheap next to the signature itself); the key parameters are immutable.
        var signer = new Ed25519Signer();
        signer.Init(true, _key);
        signer.BlockUpdate(sha256);
        return signer.GenerateSignature();
    }

    /// <summary>
    /// The key as PKCS#8 PEM ("BEGIN PRIVATE KEY", RFC 8410), the format <c>openssl genpkey -algorithm ed25519</c>
    /// writes and <see cref="PrivateKeyLoader"/> reads.
    /// </summary>
    public string ExportPkcs8Pem()
    {
        byte[] seed = _key.GetEncoded();
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Oids.Ed25519);
            }

            // privateKey OCTET STRING wraps CurvePrivateKey ::= OCTET STRING (RFC 8410 §7).
            var inner = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            inner.WriteOctetString(seed);
            writer.WriteOctetString(inner.Encode());
        }

        CryptographicOperations.ZeroMemory(seed);
        return PemEncoding.WriteString("PRIVATE KEY", writer.Encode());
    }

    // Note: BouncyCastle keeps its own copy of the seed and offers no way to wipe it, so Dispose has nothing to
    // release here; the object simply becomes garbage.
}
