using System.Security.Cryptography;
using Milter.Dkim.Keys;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Milter.Dkim.Tests.Keys;

public sealed class SignVerifyTests
{
    private const string Rfc8463Seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
    private const string Rfc8463PublicKey = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    private static readonly byte[] Message = "header hash input\r\n"u8.ToArray();
    private static readonly byte[] Hash = SHA256.HashData(Message);

    public static TheoryData<string> KeyFiles => new() { "rsa1024-pkcs1.pem", "rsa2048-pkcs8.pem", "ed25519-pkcs8.pem" };

    [Theory]
    [MemberData(nameof(KeyFiles))]
    public void Signature_verifies_with_the_public_key_and_through_the_key_record(string file)
    {
        using var key = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf(file));
        byte[] signature = key.SignHash(Hash);
        string keyType = key.Algorithm.KeyType();
        var record = KeyRecordParser.Parse($"v=DKIM1; k={keyType}; p={key.PublicKey.ToRecordValue()}");

        Assert.True(key.PublicKey.VerifyHash(Hash, signature, HashAlgorithmName.SHA256));
        Assert.True(record.Success, record.Reason);
        Assert.True(record.Record.PublicKey.VerifyHash(Hash, signature, HashAlgorithmName.SHA256));
    }

    [Theory]
    [MemberData(nameof(KeyFiles))]
    public void Altered_hash_or_signature_does_not_verify(string file)
    {
        using var key = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf(file));
        byte[] signature = key.SignHash(Hash);
        byte[] otherHash = SHA256.HashData("other"u8);
        byte[] altered = (byte[])signature.Clone();
        altered[^1] ^= 1;

        Assert.False(key.PublicKey.VerifyHash(otherHash, signature, HashAlgorithmName.SHA256));
        Assert.False(key.PublicKey.VerifyHash(Hash, altered, HashAlgorithmName.SHA256));
        Assert.False(key.PublicKey.VerifyHash(Hash, signature.AsSpan(..^1), HashAlgorithmName.SHA256));
        Assert.False(key.PublicKey.VerifyHash(Hash, [], HashAlgorithmName.SHA256));
        Assert.False(key.PublicKey.VerifyHash(Hash.AsSpan(..20), signature, HashAlgorithmName.SHA1));
        Assert.False(key.PublicKey.VerifyHash(Hash, signature, HashAlgorithmName.SHA512));
    }

    [Fact]
    public void Rsa_signature_is_pkcs1_v15_sha256_as_an_independent_implementation_checks_it()
    {
        // BouncyCastle hashes the message itself and checks the PKCS#1 v1.5 DigestInfo: a different code path
        // from the OpenSSL one that signed.
        using var key = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf("rsa2048-pkcs1.pem"));
        byte[] signature = key.SignHash(Hash);
        var publicKey = PublicKeyFactory.CreateKey(Convert.FromBase64String(key.PublicKey.ToRecordValue()));
        var verifier = new RsaDigestSigner(new Sha256Digest());
        verifier.Init(false, publicKey);
        verifier.BlockUpdate(Message, 0, Message.Length);

        Assert.True(verifier.VerifySignature(signature));
        Assert.Equal(256, signature.Length);
    }

    [Fact]
    public void Rsa_sha1_signatures_verify_so_that_policy_can_name_them()
    {
        using var rsa = RSA.Create(1024);
#pragma warning disable CA5350 // SHA-1 on purpose: rsa-sha1 signatures still arrive and must be recognised to be refused.
        byte[] sha1 = SHA1.HashData(Message);
#pragma warning restore CA5350
        byte[] signature = rsa.SignHash(sha1, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);
        var record = KeyRecordParser.Parse("p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));

        Assert.True(record.Record!.PublicKey.VerifyHash(sha1, signature, HashAlgorithmName.SHA1));
        Assert.False(record.Record.PublicKey.VerifyHash(sha1, signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public void Rfc8463_seed_gives_the_rfc8463_public_key()
    {
        using var key = Ed25519PrivateKey.FromSeed(Convert.FromBase64String(Rfc8463Seed));

        Assert.Equal(Rfc8463PublicKey, key.PublicKey.ToRecordValue());
    }

    [Fact]
    public void Ed25519_signs_the_32_byte_hash_with_pure_eddsa_as_libsodium_does()
    {
        // Expected value from PyNaCl (libsodium): SigningKey(seed).sign(sha256(b"DKIM test vector")).signature.
        using var key = Ed25519PrivateKey.FromSeed(Convert.FromBase64String(Rfc8463Seed));
        byte[] hash = SHA256.HashData("DKIM test vector"u8);

        byte[] signature = key.SignHash(hash);

        Assert.Equal("j4yU7h0oBhJdNXg0qsmom/qTgwAbyOVETLwWCDreXXm5ERr9Q0MJigc33h/0rigbbcZGQxlTXTYpXe8Q+QKoCg==", Convert.ToBase64String(signature));
    }

    [Fact]
    public void Rsa_and_ed25519_keys_report_their_algorithm_and_size()
    {
        using var rsa = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf("rsa1024-pkcs1.pem"));
        using var ed25519 = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf("ed25519-pkcs8.pem"));

        Assert.Equal((DkimAlgorithm.RsaSha256, 1024, DkimAlgorithm.RsaSha256, 1024), (rsa.Algorithm, rsa.KeyBits, rsa.PublicKey.Algorithm, rsa.PublicKey.KeyBits));
        Assert.Equal((DkimAlgorithm.Ed25519Sha256, 256, DkimAlgorithm.Ed25519Sha256, 256), (ed25519.Algorithm, ed25519.KeyBits, ed25519.PublicKey.Algorithm, ed25519.PublicKey.KeyBits));
    }

    [Theory]
    [MemberData(nameof(KeyFiles))]
    public void One_key_signs_from_many_threads_at_once(string file)
    {
        using var key = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf(file));
        var hashes = Enumerable.Range(0, 200).Select(i => SHA256.HashData(BitConverter.GetBytes(i))).ToArray();
        var signatures = new byte[hashes.Length][];

        Parallel.For(0, hashes.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => signatures[i] = key.SignHash(hashes[i]));

        // Sequential reference: any interference between threads would change some signature.
        for (int i = 0; i < hashes.Length; i++)
        {
            Assert.Equal(key.SignHash(hashes[i]), signatures[i]);
            Assert.True(key.PublicKey.VerifyHash(hashes[i], signatures[i], HashAlgorithmName.SHA256));
        }
    }

    [Theory]
    [MemberData(nameof(KeyFiles))]
    public void Sign_hash_refuses_anything_but_a_sha256_hash(string file)
    {
        using var key = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf(file));

        Assert.Throws<ArgumentException>(() => key.SignHash(new byte[20]));
    }

    [Fact]
    public void Disposed_rsa_key_no_longer_signs()
    {
        var key = RsaPrivateKey.Generate(1024);
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.SignHash(Hash));
    }

    [Fact]
    public void Ed25519_seed_of_wrong_length_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Ed25519PrivateKey.FromSeed(new byte[31]));
    }
}
