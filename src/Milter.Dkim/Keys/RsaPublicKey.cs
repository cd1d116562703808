using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;

namespace Milter.Dkim.Keys;

/// <summary>
/// An RSA public key, verifying RSASSA-PKCS1-v1_5 signatures (rsa-sha256, and rsa-sha1 which policy refuses).
/// </summary>
/// <remarks>
/// Backed by <see cref="RSA"/> (OpenSSL on Linux): measured about 15 times faster than BouncyCastle for a
/// 2048-bit verify (about 20 µs against 300 µs). <see cref="RSA"/> objects may verify from several threads at
/// once, so one key object can be cached and shared.
/// </remarks>
public sealed class RsaPublicKey : DkimPublicKey
{
    private readonly RSA _rsa;

    private RsaPublicKey(RSA rsa, int keyBits)
    {
        _rsa = rsa;
        KeyBits = keyBits;
    }

    /// <inheritdoc />
    public override DkimAlgorithm Algorithm => DkimAlgorithm.RsaSha256;

    /// <inheritdoc />
    public override int KeyBits { get; }

    /// <summary>
    /// The largest modulus accepted: OpenSSL's own limit for RSA operations (OPENSSL_RSA_MAX_MODULUS_BITS), so a
    /// larger key is refused by name here rather than failing inside OpenSSL as "signature verification failed".
    /// </summary>
    public const int MaximumKeyBits = 16384;

    /// <summary>
    /// The largest public exponent accepted, in bits. Real keys use 65537 (17 bits) or 3; an exponent as large as
    /// the modulus, which OpenSSL allows up to 3072-bit keys, makes every verification a full-length modular
    /// exponentiation, as costly as signing without CRT, which a hostile key record could use to load the verifier.
    /// </summary>
    public const int MaximumExponentBits = 64;

    /// <summary>
    /// Reads a key record's p= value (already base64-decoded): SubjectPublicKeyInfo, which is what every signer
    /// publishes, or a bare PKCS#1 RSAPublicKey, which RFC 6376 §3.6.1 literally describes and some tools emit.
    /// Keys of any size up to <see cref="MaximumKeyBits"/> are accepted, so that policy can refuse small ones by
    /// name; larger ones, and public exponents over <see cref="MaximumExponentBits"/>, are refused here.
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<byte> der, [NotNullWhen(true)] out RsaPublicKey? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        bool subjectPublicKeyInfo;
        try
        {
            // Tell the two encodings apart by shape: SPKI starts with an AlgorithmIdentifier SEQUENCE, PKCS#1
            // with the modulus INTEGER.
            var outer = new AsnReader(der.ToArray(), AsnEncodingRules.BER).ReadSequence();
            var first = outer.PeekTag();
            AsnReader rsaPublicKey;
            if (first.HasSameClassAndValue(Asn1Tag.Sequence))
            {
                string oid = outer.ReadSequence().ReadObjectIdentifier();
                if (oid != Oids.RsaEncryption)
                {
                    error = $"p= holds {Oids.Describe(oid)} key, not an RSA key";
                    return false;
                }

                subjectPublicKeyInfo = true;
                rsaPublicKey = new AsnReader(outer.ReadBitString(out _), AsnEncodingRules.BER).ReadSequence();
            }
            else if (first.HasSameClassAndValue(Asn1Tag.Integer))
            {
                subjectPublicKeyInfo = false;
                rsaPublicKey = outer;
            }
            else
            {
                error = "p= is not an RSA public key (neither SubjectPublicKeyInfo nor RSAPublicKey)";
                return false;
            }

            // Sizes first, from the encoding: a key too large to be worth loading is never handed to OpenSSL.
            int modulusBits = BitLength(rsaPublicKey.ReadIntegerBytes().Span);
            int exponentBits = BitLength(rsaPublicKey.ReadIntegerBytes().Span);
            if (modulusBits > MaximumKeyBits)
            {
                error = $"key too large ({modulusBits} bits; at most {MaximumKeyBits} accepted)";
                return false;
            }

            if (exponentBits > MaximumExponentBits)
            {
                error = $"public exponent too large ({exponentBits} bits; at most {MaximumExponentBits} accepted)";
                return false;
            }
        }
        catch (AsnContentException)
        {
            error = "p= is not DER-encoded key data";
            return false;
        }

        var rsa = RSA.Create();
        try
        {
            int read;
            if (subjectPublicKeyInfo)
            {
                rsa.ImportSubjectPublicKeyInfo(der, out read);
            }
            else
            {
                rsa.ImportRSAPublicKey(der, out read);
            }

            if (read != der.Length)
            {
                rsa.Dispose();
                error = "p= has extra bytes after the RSA public key";
                return false;
            }

            // OpenSSL refuses nonsense (even exponent, zero modulus) on import, which lands in the catch below.
            // KeySize is the exact modulus length OpenSSL read; exporting the parameters to count the bits
            // ourselves cost more than half of an RSA verification (docs/BENCHMARKS.md).
            key = new RsaPublicKey(rsa, rsa.KeySize);
            error = null;
            return true;
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            error = "p= is not a readable RSA public key";
            return false;
        }
    }

    // The number of significant bits of a big-endian unsigned INTEGER's content (a leading 0x00 is only a sign).
    private static int BitLength(ReadOnlySpan<byte> integer)
    {
        int start = integer.IndexOfAnyExcept((byte)0);
        return start < 0 ? 0 : ((integer.Length - start - 1) * 8) + (32 - BitOperations.LeadingZeroCount((uint)integer[start]));
    }

    /// <summary>Wraps the public half of a loaded private key.</summary>
    internal static RsaPublicKey FromPrivate(RSA privateKey)
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(privateKey.ExportParameters(false));
        return new RsaPublicKey(rsa, rsa.KeySize);
    }

    /// <inheritdoc />
    public override bool VerifyHash(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature, HashAlgorithmName hashAlgorithm)
    {
        // Only the two hashes DKIM has ever used; a hash of the wrong length cannot be a valid input.
        int expectedLength = hashAlgorithm == HashAlgorithmName.SHA256 ? 32 : hashAlgorithm == HashAlgorithmName.SHA1 ? 20 : -1;
        if (hash.Length != expectedLength)
        {
            return false;
        }

        try
        {
            return _rsa.VerifyHash(hash, signature, hashAlgorithm, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            // A signature longer than the modulus and similar garbage: a failed verification, not a crash.
            return false;
        }
    }

    /// <inheritdoc />
    public override string ToRecordValue() => Convert.ToBase64String(_rsa.ExportSubjectPublicKeyInfo());
}
