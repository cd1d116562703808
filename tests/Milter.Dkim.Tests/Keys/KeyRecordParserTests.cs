using System.Security.Cryptography;
using Milter.Dkim.Keys;

namespace Milter.Dkim.Tests.Keys;

/// <summary>The "Key record" section of DKIM-CHECKLIST.md, bullet by bullet (RFC 6376 §3.6.1, RFC 8463 §4).</summary>
public sealed class KeyRecordParserTests
{
    private static readonly string Rsa1024 = Convert.ToBase64String(TestKeyFiles.Der("rsa1024-public.pem"));
    private const string Ed25519 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    private static KeyRecord Parses(string record)
    {
        var result = KeyRecordParser.Parse(record);
        Assert.True(result.Success, result.Reason);
        Assert.Equal(KeyRecordError.None, result.Error);
        Assert.Null(result.Reason);
        return result.Record;
    }

    private static string Fails(string record, KeyRecordError error)
    {
        var result = KeyRecordParser.Parse(record);
        Assert.False(result.Success);
        Assert.Null(result.Record);
        Assert.Equal(error, result.Error);
        return result.Reason;
    }

    [Fact]
    public void Minimal_record_defaults_to_rsa_any_hash_any_service_no_flags()
    {
        var record = Parses("p=" + Rsa1024);

        Assert.Equal("rsa", record.KeyType);
        Assert.Null(record.AcceptableHashes);
        Assert.Equal(["*"], record.ServiceTypes);
        Assert.Empty(record.Flags);
        Assert.False(record.IsTesting);
        Assert.False(record.IsStrict);
        Assert.IsType<RsaPublicKey>(record.PublicKey);
        Assert.Equal(1024, record.PublicKey.KeyBits);
        Assert.True(record.Accepts(DkimAlgorithm.RsaSha256, out _));
        Assert.True(record.Accepts(DkimAlgorithm.RsaSha1, out _));
    }

    // --- v=

    [Fact]
    public void V_dkim1_first_is_accepted() => Parses($"v=DKIM1; k=rsa; p={Rsa1024}");

    [Fact]
    public void V_not_first_discards_the_record()
    {
        Assert.Equal("v= is not the first tag of the key record", Fails($"k=rsa; v=DKIM1; p={Rsa1024}", KeyRecordError.NotDkimKeyRecord));
    }

    [Theory]
    [InlineData("DKIM2")]
    [InlineData("dkim1")]
    [InlineData("spf1 include:_spf.example.com ~all")]
    public void Any_other_v_discards_the_record(string version)
    {
        Assert.Equal($"unknown key version v={version}", Fails($"v={version}; p={Rsa1024}", KeyRecordError.NotDkimKeyRecord));
    }

    // --- h=

    [Theory]
    [InlineData("sha256", true)]
    [InlineData("sha1", false)]
    [InlineData("sha1:sha256", true)]
    [InlineData(" sha1 : sha256 ", true)]
    [InlineData("sha512:sha256", true)] // unrecognised algorithms are ignored
    [InlineData("sha512", false)]
    public void H_lists_the_hashes_a_signature_may_use(string hashes, bool acceptsSha256)
    {
        var record = Parses($"v=DKIM1; h={hashes}; k=rsa; p={Rsa1024}");

        Assert.Equal(acceptsSha256, record.Accepts(DkimAlgorithm.RsaSha256, out string? reason));
        if (!acceptsSha256)
        {
            Assert.StartsWith("inappropriate hash algorithm", reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void H_sha256_refuses_rsa_sha1_signatures()
    {
        var record = Parses($"v=DKIM1; h=sha256; p={Rsa1024}");

        Assert.False(record.Accepts(DkimAlgorithm.RsaSha1, out string? reason));
        Assert.Equal("inappropriate hash algorithm (the key allows h=sha256, the signature uses sha1)", reason);
    }

    // --- k=

    [Fact]
    public void K_ed25519_holds_the_raw_32_byte_key()
    {
        // RFC 8463 Appendix A.3, brisbane._domainkey.football.example.com.
        var record = Parses($"v=DKIM1; k=ed25519; p={Ed25519}");

        Assert.Equal("ed25519", record.KeyType);
        Assert.IsType<Ed25519PublicKey>(record.PublicKey);
        Assert.Equal(Ed25519, record.PublicKey.ToRecordValue());
        Assert.True(record.Accepts(DkimAlgorithm.Ed25519Sha256, out _));
    }

    [Fact]
    public void Key_type_must_match_the_signature_algorithm()
    {
        var ed25519 = Parses($"k=ed25519; p={Ed25519}");
        var rsa = Parses($"k=rsa; p={Rsa1024}");

        Assert.False(ed25519.Accepts(DkimAlgorithm.RsaSha256, out string? edReason));
        Assert.False(rsa.Accepts(DkimAlgorithm.Ed25519Sha256, out string? rsaReason));
        Assert.Equal("inappropriate key algorithm (the key is k=ed25519, the signature a=rsa-sha256)", edReason);
        Assert.Equal("inappropriate key algorithm (the key is k=rsa, the signature a=ed25519-sha256)", rsaReason);
    }

    [Theory]
    [InlineData("dsa")]
    [InlineData("ecdsa")]
    [InlineData("RSA")]
    public void Unknown_k_is_an_inappropriate_key_algorithm(string keyType)
    {
        Assert.Equal($"inappropriate key algorithm (k={keyType})", Fails($"v=DKIM1; k={keyType}; p={Rsa1024}", KeyRecordError.UnsupportedKeyType));
    }

    // --- p=

    [Fact]
    public void Missing_p_is_a_syntax_error() => Assert.Equal("key record has no p= tag", Fails("v=DKIM1; k=rsa", KeyRecordError.SyntaxError));

    [Theory]
    [InlineData("v=DKIM1; k=rsa; p=")]
    [InlineData("v=DKIM1; p=;")]
    [InlineData("v=DKIM1; p= \t ")]
    public void Empty_p_means_revoked(string record) => Assert.Equal("key revoked (empty p=)", Fails(record, KeyRecordError.Revoked));

    [Fact]
    public void Whitespace_inside_p_is_ignored_as_in_the_seed_record()
    {
        // The seed's DNS panel returned p= with spaces inside; folding may add tabs and line breaks too.
        string spaced = string.Join(' ', Rsa1024.Chunk(60).Select(chunk => new string(chunk)));
        string folded = Rsa1024[..40] + "\r\n\t" + Rsa1024[40..];

        Assert.Equal(Rsa1024, Parses($"v=DKIM1; k=rsa; p={spaced}").PublicKey.ToRecordValue());
        Assert.Equal(Rsa1024, Parses($"v=DKIM1; k=rsa; p={folded}").PublicKey.ToRecordValue());
    }

    [Fact]
    public void Rsa_p_as_pkcs1_rsapublickey_is_accepted_too()
    {
        string pkcs1 = Convert.ToBase64String(TestKeyFiles.Der("rsa1024-rsapublickey.pem"));

        var record = Parses($"v=DKIM1; p={pkcs1}");

        Assert.Equal(1024, record.PublicKey.KeyBits);
        Assert.Equal(Rsa1024, record.PublicKey.ToRecordValue()); // re-encoded as SubjectPublicKeyInfo
    }

    [Theory]
    [InlineData(512)]
    [InlineData(1024)]
    [InlineData(2048)]
    [InlineData(3072)]
    [InlineData(4096)]
    public void Rsa_keys_of_every_size_in_use_parse_with_their_exact_size(int bits)
    {
        using var rsa = RSA.Create(bits);
        string spki = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        byte[] hash = SHA256.HashData("x"u8);
        byte[] signature = rsa.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var record = Parses($"v=DKIM1; k=rsa; p={spki}");

        Assert.Equal(bits, record.PublicKey.KeyBits);
        Assert.True(record.PublicKey.VerifyHash(hash, signature, HashAlgorithmName.SHA256));
    }

    [Theory]
    [InlineData("p=!!!notbase64", "p= is not valid base64")]
    [InlineData("p=AAAAbm90IGEga2V5", "p= is not DER-encoded key data")]
    [InlineData("p=MAA=", "p= is not DER-encoded key data")]
    [InlineData("k=rsa; p=" + Ed25519, "p= is not DER-encoded key data")]
    [InlineData("k=rsa; p=MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "p= holds an Ed25519 key, not an RSA key")]
    [InlineData("k=ed25519; p=MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "Ed25519 p= is a SubjectPublicKeyInfo; RFC 8463 wants only the raw 32-byte key (the last 32 bytes)")]
    [InlineData("k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUQ==", "Ed25519 p= must be the raw 32-byte key (RFC 8463), found 31 bytes")]
    [InlineData("k=ed25519; p=//////////////////////////////////////////8=", "Ed25519 p= is not a valid curve point")]
    public void P_that_does_not_hold_a_key_of_its_type(string record, string reason)
    {
        Assert.Equal(reason, Fails(record, KeyRecordError.InvalidPublicKey));
    }

    [Fact]
    public void Rsa_p_with_an_even_exponent_is_refused_in_plain_words()
    {
        // RSAPublicKey { modulus 0x00C5..., exponent 4 }: parses as DER, but no RSA key has an even exponent.
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger([0x00, .. Enumerable.Repeat((byte)0xC5, 128)]);
            writer.WriteInteger(4);
        }

        string reason = Fails("p=" + Convert.ToBase64String(writer.Encode()), KeyRecordError.InvalidPublicKey);

        Assert.Equal("p= is not a readable RSA public key", reason);
    }

    // --- s=

    [Theory]
    [InlineData("email")]
    [InlineData("*")]
    [InlineData("other:email")]
    [InlineData(" email : other ")]
    public void S_with_email_or_star_is_for_us(string services) => Parses($"v=DKIM1; s={services}; p={Rsa1024}");

    [Theory]
    [InlineData("other")]
    [InlineData("tlsrpt")]
    public void S_without_email_or_star_means_ignore_the_record(string services)
    {
        Assert.Equal($"not an e-mail key (s={services})", Fails($"v=DKIM1; s={services}; p={Rsa1024}", KeyRecordError.NotDkimKeyRecord));
    }

    // --- t=

    [Theory]
    [InlineData("y", true, false)]
    [InlineData("s", false, true)]
    [InlineData("y:s", true, true)]
    [InlineData(" s : y ", true, true)]
    [InlineData("x", false, false)] // unknown flags are ignored
    public void T_flags_testing_and_strict(string flags, bool testing, bool strict)
    {
        var record = Parses($"v=DKIM1; t={flags}; p={Rsa1024}");

        Assert.Equal((testing, strict), (record.IsTesting, record.IsStrict));
    }

    [Fact]
    public void T_s_requires_the_identity_domain_to_be_exactly_d()
    {
        var strict = Parses($"t=s; p={Rsa1024}");
        var relaxed = Parses($"p={Rsa1024}");

        Assert.True(strict.AllowsIdentityDomain("Example.COM", "example.com"));
        Assert.False(strict.AllowsIdentityDomain("mail.example.com", "example.com"));
        Assert.True(relaxed.AllowsIdentityDomain("mail.example.com", "example.com"));
    }

    // --- tag-list rules that reach the key record

    [Theory]
    [InlineData("v=DKIM1; p=A; p=B")]
    [InlineData("v=DKIM1; k rsa; p=A")]
    [InlineData("v=DKIM1;; p=A")]
    public void Malformed_tag_list_is_a_syntax_error(string record)
    {
        Assert.StartsWith("key record syntax error: ", Fails(record, KeyRecordError.SyntaxError), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_tags_notes_and_a_trailing_semicolon_are_fine()
    {
        var record = Parses($"v=DKIM1; n=rotated 2024; x_future=1; p={Rsa1024};");

        Assert.Equal("rotated 2024", record.Notes);
    }
}
