using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace Milter.Dkim.Keys;

/// <summary>
/// Reads a DKIM private key from a key file or an inline KeyTable value, in every format OpenDKIM users have:
/// <list type="bullet">
/// <item>PEM PKCS#1 "BEGIN RSA PRIVATE KEY" (opendkim-genkey, <c>openssl genrsa -traditional</c>);</item>
/// <item>PEM PKCS#8 "BEGIN PRIVATE KEY", RSA or Ed25519 (<c>openssl genpkey</c>);</item>
/// <item>base64 DER without PEM armour, PKCS#1 or PKCS#8 (OpenDKIM's KeyTable allows an inline key so);</item>
/// <item>an Ed25519 32-byte seed in base64 (dkimpy's and RFC 8463 Appendix A's form);</item>
/// <item>a binary DER file.</item>
/// </list>
/// Every failure is a <see cref="KeyFormatException"/> naming the source and the problem in plain words, with
/// the command that fixes it where there is one.
/// </summary>
/// <remarks>
/// Policy: RSA keys under <see cref="MinimumRsaBits"/> are refused (RFC 8301 §3.2: "Signers MUST use RSA keys
/// of at least 1024 bits"); keys under <see cref="RecommendedRsaBits"/> load, and the caller should warn (RFC
/// 8301 recommends 2048). A damaged RSA key is refused at load time: OpenSSL checks the key's consistency on
/// import (n = p·q, d·e ≡ 1, CRT values; measured with flipped bytes in each), so no self-test signature is needed.
/// </remarks>
public static class PrivateKeyLoader
{
    /// <summary>Smallest RSA key we sign with (RFC 8301 §3.2).</summary>
    public const int MinimumRsaBits = 1024;

    /// <summary>RSA size below which the caller should warn (RFC 8301 §3.2 "SHOULD use RSA keys of at least 2048 bits").</summary>
    public const int RecommendedRsaBits = 2048;

    /// <summary>A 16384-bit PEM key is about 12 KiB; anything far larger is not a key file (a wrong path, /dev/zero).</summary>
    internal const int MaximumFileBytes = 64 * 1024;

    /// <summary>Reads and parses a key file; the path is the source named in errors.</summary>
    public static DkimPrivateKey LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            // The file APIs would throw ArgumentException; a KeyTable line is where such a path comes from.
            throw new KeyFormatException(path.Replace("\0", "\\0", StringComparison.Ordinal), "the path contains a NUL byte");
        }

        byte[] bytes;
        try
        {
            if (Directory.Exists(path))
            {
                throw new KeyFormatException(path, "is a directory, not a key file");
            }

            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new KeyFormatException(path, "no such file");
            }

            if (info.Length > MaximumFileBytes)
            {
                throw new KeyFormatException(path, $"file is {info.Length} bytes, too large to be a key file");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException exception)
        {
            throw new KeyFormatException(path, "permission denied: the daemon's user cannot read the key file", exception);
        }
        catch (IOException exception)
        {
            throw new KeyFormatException(path, $"cannot read the key file: {exception.Message}", exception);
        }

        // `openssl rsa -outform DER` writes binary DER: a SEQUENCE tag and bytes that are not text.
        try
        {
            if (bytes.Length > 0 && bytes[0] == 0x30 && Array.Exists(bytes, b => b < 0x09 || b is > 0x0D and < 0x20))
            {
                return ParseDer(bytes, path);
            }

            return Parse(Encoding.UTF8.GetString(bytes), path);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>
    /// Parses key text (file contents or an inline KeyTable value). <paramref name="source"/> names it in errors,
    /// e.g. a path or "KeyTable entry 'sel._domainkey.example.com'".
    /// </summary>
    public static DkimPrivateKey Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);

        // A BOM (Windows editors), CRLF line ends and surrounding blank lines are all harmless.
        string trimmed = text.TrimStart('\uFEFF').Trim();
        if (trimmed.Length == 0)
        {
            throw new KeyFormatException(source, "the key is empty");
        }

        if (trimmed.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return ParsePem(trimmed, source);
        }

        // Base64 never contains ';' and only ends with '=': "v=DKIM1; k=rsa; p=..." is the DNS record.
        if (trimmed.StartsWith("v=DKIM1", StringComparison.Ordinal) || trimmed.StartsWith("p=", StringComparison.Ordinal)
            || (trimmed.Contains(';', StringComparison.Ordinal) && trimmed.Contains("p=", StringComparison.Ordinal)))
        {
            throw new KeyFormatException(source, "this is a DNS key record (the public key), not a private key");
        }

        if (trimmed.StartsWith("ssh-", StringComparison.Ordinal))
        {
            throw new KeyFormatException(source, "this is an SSH public key, not a DKIM private key");
        }

        byte[]? der = TryDecodeBase64(trimmed);
        if (der is null || der.Length == 0)
        {
            throw new KeyFormatException(source, "not a PEM private key (no '-----BEGIN' line) and not base64 DER");
        }

        try
        {
            return der.Length switch
            {
                Ed25519PrivateKey.SeedLength => Ed25519PrivateKey.FromSeed(der),
                2 * Ed25519PrivateKey.SeedLength when der[0] != 0x30 => FromSeedAndPublicKey(der, source),
                _ => ParseDer(der, source),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    private static DkimPrivateKey ParsePem(string text, string source)
    {
        if (!PemBlock.TryReadAll(text.Replace("\r", "", StringComparison.Ordinal), out var blocks, out string? error))
        {
            throw new KeyFormatException(source, error!);
        }

        // Key files sometimes carry a certificate or the public key as well: use the first private key.
        var block = blocks.FirstOrDefault(candidate => candidate.Label.EndsWith("PRIVATE KEY", StringComparison.Ordinal));
        if (block is null)
        {
            string labels = string.Join(", ", blocks.Select(candidate => candidate.Label));
            if (blocks.Any(candidate => candidate.Label.Contains("PUBLIC KEY", StringComparison.Ordinal)))
            {
                throw new KeyFormatException(source, "this is a public key, not a private key");
            }

            if (blocks.Any(candidate => candidate.Label.Contains("CERTIFICATE", StringComparison.Ordinal)))
            {
                throw new KeyFormatException(source, "this is a certificate, not a private key");
            }

            throw new KeyFormatException(source, $"no private key in the PEM data (found: {labels})");
        }

        switch (block.Label)
        {
            case "ENCRYPTED PRIVATE KEY":
                throw Encrypted(source);
            case "OPENSSH PRIVATE KEY":
                throw new KeyFormatException(source, "OpenSSH private keys are not supported; convert with ssh-keygen -p -N '' -m PKCS8 -f KEY");
            case "EC PRIVATE KEY":
                throw new KeyFormatException(source, "this is an EC (ECDSA) key; DKIM signs with RSA or Ed25519 only");
            case "DSA PRIVATE KEY":
                throw new KeyFormatException(source, "this is a DSA key; DKIM signs with RSA or Ed25519 only");
            case "RSA PRIVATE KEY" or "PRIVATE KEY":
                break;
            default:
                throw new KeyFormatException(source, $"unsupported key type '{block.Label}'; expected 'RSA PRIVATE KEY' or 'PRIVATE KEY'");
        }

        if (block.IsEncrypted)
        {
            throw Encrypted(source);
        }

        byte[]? der = TryDecodeBase64(block.Base64);
        if (der is null || der.Length == 0)
        {
            throw new KeyFormatException(source, $"the '{block.Label}' block is not valid base64 (is the file damaged?)");
        }

        try
        {
            // The label is only a hint: the DER's shape decides (a PKCS#8 body under an "RSA PRIVATE KEY"
            // label still loads).
            return ParseDer(der, source);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>Classifies DER by its ASN.1 shape, then loads it or says what it is instead.</summary>
    private static DkimPrivateKey ParseDer(byte[] der, string source)
    {
        DerKind kind;
        string? algorithmOid = null;
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.BER);
            var sequence = reader.ReadSequence();
            if (reader.HasData)
            {
                throw new KeyFormatException(source, "extra data after the key (is the file damaged?)");
            }

            var first = sequence.PeekTag();
            if (first.HasSameClassAndValue(Asn1Tag.Integer))
            {
                sequence.ReadEncodedValue();
                var second = sequence.PeekTag();
                if (second.HasSameClassAndValue(Asn1Tag.Sequence))
                {
                    // PrivateKeyInfo (RFC 5208) / OneAsymmetricKey (RFC 5958): version, algorithm, key.
                    algorithmOid = sequence.ReadSequence().ReadObjectIdentifier();
                    kind = DerKind.Pkcs8;
                }
                else
                {
                    // RSAPrivateKey has version and eight integers; RSAPublicKey only modulus and exponent.
                    int integers = 1;
                    while (sequence.HasData)
                    {
                        sequence.ReadEncodedValue();
                        integers++;
                    }

                    kind = integers == 2 ? DerKind.Pkcs1Public : DerKind.Pkcs1Private;
                }
            }
            else if (first.HasSameClassAndValue(Asn1Tag.Sequence))
            {
                sequence.ReadEncodedValue();
                var second = sequence.PeekTag();
                kind = second.HasSameClassAndValue(Asn1Tag.PrimitiveBitString) || second.HasSameClassAndValue(Asn1Tag.ConstructedBitString) ? DerKind.SubjectPublicKeyInfo
                    : second.HasSameClassAndValue(Asn1Tag.PrimitiveOctetString) || second.HasSameClassAndValue(Asn1Tag.ConstructedOctetString) ? DerKind.EncryptedPkcs8
                    : second.HasSameClassAndValue(Asn1Tag.Sequence) ? DerKind.Certificate
                    : DerKind.Unknown;
            }
            else
            {
                kind = DerKind.Unknown;
            }
        }
        catch (AsnContentException exception)
        {
            throw new KeyFormatException(source, "the key data is not DER-encoded (is the file damaged?)", exception);
        }
        catch (InvalidOperationException exception)
        {
            throw new KeyFormatException(source, "the key data is not DER-encoded (is the file damaged?)", exception);
        }

        return kind switch
        {
            DerKind.Pkcs1Private => LoadRsa(der, pkcs8: false, source),
            DerKind.Pkcs8 when algorithmOid == Oids.RsaEncryption => LoadRsa(der, pkcs8: true, source),
            DerKind.Pkcs8 when algorithmOid == Oids.Ed25519 => LoadEd25519Pkcs8(der, source),
            DerKind.Pkcs8 when algorithmOid == Oids.RsaPss =>
                throw new KeyFormatException(source, "this is an RSA-PSS key; DKIM needs a plain RSA key (openssl genrsa or openssl genpkey -algorithm RSA)"),
            DerKind.Pkcs8 =>
                throw new KeyFormatException(source, $"this is {Oids.Describe(algorithmOid!)} key; DKIM signs with RSA or Ed25519 only"),
            DerKind.Pkcs1Public or DerKind.SubjectPublicKeyInfo =>
                throw new KeyFormatException(source, "this is a public key, not a private key"),
            DerKind.EncryptedPkcs8 => throw Encrypted(source),
            DerKind.Certificate => throw new KeyFormatException(source, "this is a certificate, not a private key"),
            _ => throw new KeyFormatException(source, "the key data is not a private key in PKCS#1 or PKCS#8 form"),
        };
    }

    private static RsaPrivateKey LoadRsa(byte[] der, bool pkcs8, string source)
    {
        var rsa = RSA.Create();
        try
        {
            int read;
            if (pkcs8)
            {
                rsa.ImportPkcs8PrivateKey(der, out read);
            }
            else
            {
                rsa.ImportRSAPrivateKey(der, out read);
            }

            if (read != der.Length)
            {
                throw new KeyFormatException(source, "extra data after the RSA key (is the file damaged?)");
            }
        }
        catch (CryptographicException exception)
        {
            rsa.Dispose();
            // The platform's message carries an OpenSSL error code ("error:0200007F:rsa routines::n does not
            // equal p q"): keep it as the inner exception only.
            throw new KeyFormatException(source, "the RSA private key is damaged and cannot be read", exception);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }

        var key = RsaPrivateKey.FromRsa(rsa);
        try
        {
            if (key.KeyBits < MinimumRsaBits)
            {
                throw new KeyFormatException(source, $"RSA key of {key.KeyBits} bits is too small to sign with (minimum {MinimumRsaBits})");
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static Ed25519PrivateKey LoadEd25519Pkcs8(byte[] der, string source)
    {
        byte[]? seed = null;
        byte[]? embeddedPublic = null;
        try
        {
            var sequence = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
            sequence.ReadInteger();
            sequence.ReadSequence();
            // privateKey OCTET STRING holds CurvePrivateKey ::= OCTET STRING (RFC 8410 §7).
            seed = new AsnReader(sequence.ReadOctetString(), AsnEncodingRules.BER).ReadOctetString();
            while (sequence.HasData)
            {
                var tag = sequence.PeekTag();
                if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 1)
                {
                    // OneAsymmetricKey's [1] publicKey (RFC 5958), written by some tools.
                    embeddedPublic = sequence.ReadBitString(out _, new Asn1Tag(TagClass.ContextSpecific, 1));
                }
                else
                {
                    sequence.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException exception)
        {
            throw new KeyFormatException(source, "the Ed25519 private key is damaged and cannot be read", exception);
        }

        try
        {
            if (seed.Length != Ed25519PrivateKey.SeedLength)
            {
                throw new KeyFormatException(source, $"the Ed25519 private key is {seed.Length} bytes, not {Ed25519PrivateKey.SeedLength}");
            }

            var key = Ed25519PrivateKey.FromSeed(seed);
            if (embeddedPublic is not null && key.PublicKey.ToRecordValue() != Convert.ToBase64String(embeddedPublic))
            {
                key.Dispose();
                throw new KeyFormatException(source, "the public key stored in the Ed25519 key file does not match its private key (is the file damaged?)");
            }

            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    // Some tools (libsodium, NaCl) store an Ed25519 "secret key" as seed followed by public key.
    private static Ed25519PrivateKey FromSeedAndPublicKey(byte[] bytes, string source)
    {
        var key = Ed25519PrivateKey.FromSeed(bytes.AsSpan(0, Ed25519PrivateKey.SeedLength));
        if (key.PublicKey.ToRecordValue() != Convert.ToBase64String(bytes, Ed25519PrivateKey.SeedLength, Ed25519PublicKey.KeyLength))
        {
            key.Dispose();
            throw new KeyFormatException(source, "64 bytes of base64 but not an Ed25519 seed followed by its public key");
        }

        return key;
    }

    private static KeyFormatException Encrypted(string source) =>
        new(source, "encrypted private keys are not supported; decrypt with openssl rsa -in KEY -out KEY (openssl pkey -in KEY -out KEY for Ed25519)");

    private static byte[]? TryDecodeBase64(string text)
    {
        string compact = TagLists.TagList.RemoveWhitespace(text);
        byte[] buffer = new byte[(compact.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(compact, buffer, out int written))
        {
            return null;
        }

        byte[] result = buffer.AsSpan(0, written).ToArray();
        CryptographicOperations.ZeroMemory(buffer);
        return result;
    }

    private enum DerKind
    {
        Unknown,
        Pkcs1Private,
        Pkcs1Public,
        Pkcs8,
        EncryptedPkcs8,
        SubjectPublicKeyInfo,
        Certificate,
    }
}
