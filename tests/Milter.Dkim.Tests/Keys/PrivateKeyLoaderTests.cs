using System.Security.Cryptography;
using System.Text;
using Milter.Dkim.Keys;

namespace Milter.Dkim.Tests.Keys;

public sealed class PrivateKeyLoaderTests
{
    private static string RsaRecordValue(string publicPemFile) => Convert.ToBase64String(TestKeyFiles.Der(publicPemFile));

    private static string Rsa2048RecordValue()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TestKeyFiles.Read("rsa2048-pkcs1.pem"));
        return Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void Pkcs1_pem_as_openssl_genrsa_traditional_writes_loads_as_rsa()
    {
        using var key = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf("rsa2048-pkcs1.pem"));

        var rsa = Assert.IsType<RsaPrivateKey>(key);
        Assert.Equal(DkimAlgorithm.RsaSha256, rsa.Algorithm);
        Assert.Equal(2048, rsa.KeyBits);
        Assert.Equal(Rsa2048RecordValue(), rsa.PublicKey.ToRecordValue());
    }

    [Fact]
    public void Pkcs8_pem_of_the_same_rsa_key_gives_the_same_key()
    {
        using var pkcs8 = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf("rsa2048-pkcs8.pem"));

        Assert.IsType<RsaPrivateKey>(pkcs8);
        Assert.Equal(Rsa2048RecordValue(), pkcs8.PublicKey.ToRecordValue());
    }

    [Fact]
    public void Pkcs8_pem_as_openssl_genpkey_ed25519_writes_loads_as_ed25519()
    {
        using var key = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf("ed25519-pkcs8.pem"));

        Assert.IsType<Ed25519PrivateKey>(key);
        Assert.Equal(DkimAlgorithm.Ed25519Sha256, key.Algorithm);
        Assert.Equal(256, key.KeyBits);
        Assert.Equal(TestKeyFiles.Ed25519PublicKeyBase64("ed25519-public.pem"), key.PublicKey.ToRecordValue());
    }

    [Theory]
    [InlineData("rsa1024-pkcs1.pem")]
    [InlineData("rsa2048-pkcs8.pem")]
    [InlineData("ed25519-pkcs8.pem")]
    public void Base64_der_without_armour_as_a_keytable_inline_key_loads(string file)
    {
        string inline = Convert.ToBase64String(TestKeyFiles.Der(file));
        using var expected = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf(file));

        using var key = PrivateKeyLoader.Parse(inline, "KeyTable entry 'x'");

        Assert.Equal(expected.GetType(), key.GetType());
        Assert.Equal(expected.PublicKey.ToRecordValue(), key.PublicKey.ToRecordValue());
    }

    [Fact]
    public void Base64_der_split_over_lines_loads()
    {
        string base64 = Convert.ToBase64String(TestKeyFiles.Der("rsa1024-pkcs1.pem"), Base64FormattingOptions.InsertLineBreaks);

        using var key = PrivateKeyLoader.Parse(base64, "inline");

        Assert.Equal(1024, key.KeyBits);
    }

    [Fact]
    public void Ed25519_seed_in_base64_loads_and_gives_the_rfc8463_public_key()
    {
        // RFC 8463 Appendix A.2: the private key, and A.3's brisbane._domainkey record p=.
        using var key = PrivateKeyLoader.Parse("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=", "rfc8463");

        Assert.IsType<Ed25519PrivateKey>(key);
        Assert.Equal("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", key.PublicKey.ToRecordValue());
    }

    [Fact]
    public void Ed25519_seed_followed_by_its_public_key_loads()
    {
        byte[] both = [.. Convert.FromBase64String("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="), .. Convert.FromBase64String("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")];

        using var key = PrivateKeyLoader.Parse(Convert.ToBase64String(both), "libsodium");

        Assert.Equal("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", key.PublicKey.ToRecordValue());
    }

    [Fact]
    public void Ed25519_seed_followed_by_another_public_key_is_refused()
    {
        byte[] both = [.. Convert.FromBase64String("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="), .. new byte[32]];

        var error = Assert.Throws<KeyFormatException>(() => PrivateKeyLoader.Parse(Convert.ToBase64String(both), "k"));

        Assert.Equal("k: 64 bytes of base64 but not an Ed25519 seed followed by its public key", error.Message);
    }

    [Fact]
    public void Binary_der_file_loads()
    {
        using var directory = new TempDirectory();
        string path = directory.Write("key.der", TestKeyFiles.Der("rsa1024-pkcs1.pem"));

        using var key = PrivateKeyLoader.LoadFile(path);

        Assert.Equal(RsaRecordValue("rsa1024-public.pem"), key.PublicKey.ToRecordValue());
    }

    [Theory]
    [InlineData("crlf")]
    [InlineData("bom")]
    [InlineData("whitespace")]
    [InlineData("indented")]
    [InlineData("all")]
    public void Windows_line_ends_bom_and_surrounding_whitespace_are_tolerated(string variation)
    {
        string pem = TestKeyFiles.Read("rsa1024-pkcs1.pem");
        string text = variation switch
        {
            "crlf" => pem.Replace("\n", "\r\n", StringComparison.Ordinal),
            "bom" => "\uFEFF" + pem,
            "whitespace" => "\n\n  \t" + pem + "\n\n   \n",
            "indented" => string.Join('\n', pem.Split('\n').Select(line => "    " + line + "  ")),
            _ => "\uFEFF \r\n" + pem.Replace("\n", "\r\n", StringComparison.Ordinal) + " \r\n",
        };
        using var directory = new TempDirectory();
        string path = directory.Write("mail.private", Encoding.UTF8.GetBytes(text));

        using var key = PrivateKeyLoader.LoadFile(path);

        Assert.Equal(RsaRecordValue("rsa1024-public.pem"), key.PublicKey.ToRecordValue());
    }

    [Fact]
    public void Bom_written_by_an_editor_as_bytes_is_tolerated()
    {
        using var directory = new TempDirectory();
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.ASCII.GetBytes(TestKeyFiles.Read("ed25519-pkcs8.pem"))];
        string path = directory.Write("ed.private", bytes);

        using var key = PrivateKeyLoader.LoadFile(path);

        Assert.IsType<Ed25519PrivateKey>(key);
    }

    [Fact]
    public void Certificate_before_the_key_in_one_file_is_skipped()
    {
        string text = TestKeyFiles.Read("certificate.pem") + TestKeyFiles.Read("rsa1024-pkcs1.pem");

        using var key = PrivateKeyLoader.Parse(text, "bundle.pem");

        Assert.Equal(RsaRecordValue("rsa1024-public.pem"), key.PublicKey.ToRecordValue());
    }

    [Fact]
    public void Pkcs8_body_under_an_rsa_private_key_label_still_loads()
    {
        string body = Convert.ToBase64String(TestKeyFiles.Der("rsa2048-pkcs8.pem"));
        string text = "-----BEGIN RSA PRIVATE KEY-----\n" + body + "\n-----END RSA PRIVATE KEY-----\n";

        using var key = PrivateKeyLoader.Parse(text, "mislabelled");

        Assert.Equal(Rsa2048RecordValue(), key.PublicKey.ToRecordValue());
    }

    [Fact]
    public void The_seed_sample_key_matches_its_dns_record()
    {
        // samples/local/keys: mail.private (PKCS#1, the seed's format) and mail.txt (the zone-file line).
        string root = TestKeyFiles.RepositoryRoot();
        using var key = PrivateKeyLoader.LoadFile(Path.Combine(root, "samples", "local", "keys", "mail.private"));
        string zoneLine = File.ReadAllText(Path.Combine(root, "samples", "local", "keys", "mail.txt"));
        string record = string.Concat(System.Text.RegularExpressions.Regex.Matches(zoneLine, "\"([^\"]*)\"").Select(match => match.Groups[1].Value));

        var parsed = KeyRecordParser.Parse(record);

        Assert.True(parsed.Success, parsed.Reason);
        Assert.Equal(parsed.Record.PublicKey.ToRecordValue(), key.PublicKey.ToRecordValue());
        Assert.Equal(2048, key.KeyBits);
    }

    [Fact]
    public void Exported_keys_load_back()
    {
        using var rsa = RsaPrivateKey.Generate(1024);
        using var ed25519 = Ed25519PrivateKey.Generate();

        using var rsaBack = PrivateKeyLoader.Parse(rsa.ExportPkcs1Pem(), "rsa");
        using var ed25519Back = PrivateKeyLoader.Parse(ed25519.ExportPkcs8Pem(), "ed");

        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", rsa.ExportPkcs1Pem(), StringComparison.Ordinal);
        Assert.Equal(rsa.PublicKey.ToRecordValue(), rsaBack.PublicKey.ToRecordValue());
        Assert.Equal(ed25519.PublicKey.ToRecordValue(), ed25519Back.PublicKey.ToRecordValue());
    }

    [Fact]
    public void Ed25519_export_is_byte_identical_to_openssl()
    {
        using var key = PrivateKeyLoader.LoadFile(TestKeyFiles.PathOf("ed25519-pkcs8.pem"));

        string exported = ((Ed25519PrivateKey)key).ExportPkcs8Pem();

        Assert.Equal(TestKeyFiles.Read("ed25519-pkcs8.pem").TrimEnd('\n'), exported);
    }
}
