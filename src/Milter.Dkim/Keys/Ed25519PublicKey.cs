using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Milter.Dkim.Keys;

/// <summary>
/// An Ed25519 public key (RFC 8463), verifying PureEdDSA signatures made over the 32-byte SHA-256 hash of the
/// header hash input. BouncyCastle does the work: .NET has no Ed25519.
/// </summary>
public sealed class Ed25519PublicKey : DkimPublicKey
{
    /// <summary>Raw key length (RFC 8032 §5.1.5).</summary>
    public const int KeyLength = 32;

    /// <summary>Signature length (RFC 8032 §5.1.6).</summary>
    public const int SignatureLength = 64;

    // The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): people paste `openssl pkey -pubout` output
    // into p=, where RFC 8463 wants the bare 32 bytes; recognising it gives a useful error.
    private static readonly byte[] SubjectPublicKeyInfoPrefix = Convert.FromHexString("302a300506032b6570032100");

    private readonly Ed25519PublicKeyParameters _key;
    private readonly byte[] _raw;

    private Ed25519PublicKey(Ed25519PublicKeyParameters key, byte[] raw)
    {
        _key = key;
        _raw = raw;
    }

    /// <inheritdoc />
    public override DkimAlgorithm Algorithm => DkimAlgorithm.Ed25519Sha256;

    /// <inheritdoc />
    public override int KeyBits => 256;

    /// <summary>
    /// Reads a key record's p= value (already base64-decoded). RFC 8463 §4.2: "The public key is ... the
    /// Ed25519 public key ... base64 encoded", i.e. the raw 32 bytes, not a SubjectPublicKeyInfo.
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<byte> raw, [NotNullWhen(true)] out Ed25519PublicKey? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (raw.Length != KeyLength)
        {
            error = raw.Length == SubjectPublicKeyInfoPrefix.Length + KeyLength && raw.StartsWith(SubjectPublicKeyInfoPrefix)
                ? "Ed25519 p= is a SubjectPublicKeyInfo; RFC 8463 wants only the raw 32-byte key (the last 32 bytes)"
                : $"Ed25519 p= must be the raw 32-byte key (RFC 8463), found {raw.Length} bytes";
            return false;
        }

        try
        {
            byte[] copy = raw.ToArray();
            key = new Ed25519PublicKey(new Ed25519PublicKeyParameters(copy), copy);
            error = null;
            return true;
        }
        catch (ArgumentException)
        {
            // BouncyCastle refuses bytes that do not decode to a curve point.
            error = "Ed25519 p= is not a valid curve point";
            return false;
        }
    }

    /// <inheritdoc />
    public override bool VerifyHash(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature, HashAlgorithmName hashAlgorithm)
    {
        if (hashAlgorithm != HashAlgorithmName.SHA256 || hash.Length != 32 || signature.Length != SignatureLength)
        {
            return false;
        }

        // A BouncyCastle signer buffers the message and is not thread-safe: one per call (it is a few small
        // objects); the key parameters themselves are immutable and shared.
        var verifier = new Ed25519Signer();
        verifier.Init(false, _key);
        verifier.BlockUpdate(hash);
        return verifier.VerifySignature(signature.ToArray());
    }

    /// <inheritdoc />
    public override string ToRecordValue() => Convert.ToBase64String(_raw);
}
