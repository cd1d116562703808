using Milter.Dkim.Keys;

namespace Milter.Dkim.Tests.Keys;

/// <summary>Every refusal names the source and the problem in plain words, never an OpenSSL error code.</summary>
public sealed class PrivateKeyLoaderErrorTests
{
    private const string Encrypted = "encrypted private keys are not supported; decrypt with openssl rsa -in KEY -out KEY (openssl pkey -in KEY -out KEY for Ed25519)";

    private static KeyFormatException LoadFails(string path)
    {
        var error = Assert.Throws<KeyFormatException>(() => PrivateKeyLoader.LoadFile(path));
        Assert.Equal(path, error.KeySource);
        Assert.Equal($"{path}: {error.Problem}", error.Message);
        Assert.DoesNotContain("error:", error.Message, StringComparison.OrdinalIgnoreCase);
        return error;
    }

    private static KeyFormatException ParseFails(string text)
    {
        var error = Assert.Throws<KeyFormatException>(() => PrivateKeyLoader.Parse(text, "/etc/opendkim/keys/x/mail.private"));
        Assert.StartsWith("/etc/opendkim/keys/x/mail.private: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("error:", error.Message, StringComparison.OrdinalIgnoreCase);
        return error;
    }

    [Theory]
    [InlineData("rsa1024-public.pem", "this is a public key, not a private key")]
    [InlineData("rsa1024-rsapublickey.pem", "this is a public key, not a private key")]
    [InlineData("ed25519-public.pem", "this is a public key, not a private key")]
    [InlineData("rsa1024-encrypted-pkcs8.pem", Encrypted)]
    [InlineData("rsa1024-encrypted-pkcs1.pem", Encrypted)]
    [InlineData("rsa512-pkcs1.pem", "RSA key of 512 bits is too small to sign with (minimum 1024)")]
    [InlineData("ec-p256.pem", "this is an EC (ECDSA) key; DKIM signs with RSA or Ed25519 only")]
    [InlineData("ec-p256-pkcs8.pem", "this is an EC (ECDSA) key; DKIM signs with RSA or Ed25519 only")]
    [InlineData("rsa-pss-pkcs8.pem", "this is an RSA-PSS key; DKIM needs a plain RSA key (openssl genrsa or openssl genpkey -algorithm RSA)")]
    [InlineData("x25519-pkcs8.pem", "this is an X25519 key; DKIM signs with RSA or Ed25519 only")]
    [InlineData("certificate.pem", "this is a certificate, not a private key")]
    public void Openssl_files_that_are_not_usable_signing_keys_are_named(string file, string problem)
    {
        var error = LoadFails(TestKeyFiles.PathOf(file));

        Assert.Equal(problem, error.Problem);
    }

    [Theory]
    [InlineData("rsa1024-public.pem", "this is a public key, not a private key")]
    [InlineData("rsa1024-rsapublickey.pem", "this is a public key, not a private key")]
    [InlineData("rsa1024-encrypted-pkcs8.pem", Encrypted)]
    [InlineData("rsa512-pkcs1.pem", "RSA key of 512 bits is too small to sign with (minimum 1024)")]
    [InlineData("certificate.pem", "this is a certificate, not a private key")]
    public void The_same_refusals_for_base64_der_without_armour(string file, string problem)
    {
        var error = ParseFails(Convert.ToBase64String(TestKeyFiles.Der(file)));

        Assert.Equal(problem, error.Problem);
    }

    [Theory]
    [InlineData("hello, I am not a key")]
    [InlineData("MIIE!!!!")]
    [InlineData("----BEGIN RSA PRIVATE KEY----\nMIIB\n----END RSA PRIVATE KEY----")]
    public void Text_that_is_neither_pem_nor_base64_der(string text)
    {
        var error = ParseFails(text);

        Assert.Equal("not a PEM private key (no '-----BEGIN' line) and not base64 DER", error.Problem);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \r\n\t ")]
    [InlineData("\uFEFF\n")]
    public void Empty_key(string text) => Assert.Equal("the key is empty", ParseFails(text).Problem);

    [Fact]
    public void Pem_cut_short()
    {
        string pem = TestKeyFiles.Read("rsa1024-pkcs1.pem");
        string truncated = pem[..pem.IndexOf("-----END", StringComparison.Ordinal)];

        Assert.Equal("'-----BEGIN RSA PRIVATE KEY-----' has no matching '-----END RSA PRIVATE KEY-----' line (is the file cut short?)", ParseFails(truncated).Problem);
    }

    [Fact]
    public void Pem_with_mismatched_end_label()
    {
        string pem = TestKeyFiles.Read("rsa1024-pkcs1.pem").Replace("END RSA PRIVATE KEY", "END PRIVATE KEY", StringComparison.Ordinal);

        Assert.Equal("the PEM block '-----BEGIN RSA PRIVATE KEY-----' ends with '-----END PRIVATE KEY-----'", ParseFails(pem).Problem);
    }

    [Fact]
    public void Pem_with_damaged_base64()
    {
        string original = TestKeyFiles.Read("rsa1024-pkcs1.pem");
        string pem = original.Insert(original.IndexOf('\n', StringComparison.Ordinal) + 10, "!");

        Assert.Equal("the 'RSA PRIVATE KEY' block is not valid base64 (is the file damaged?)", ParseFails(pem).Problem);
    }

    [Fact]
    public void Pem_with_truncated_der()
    {
        byte[] der = TestKeyFiles.Der("rsa1024-pkcs1.pem")[..300];

        var error = ParseFails("-----BEGIN RSA PRIVATE KEY-----\n" + Convert.ToBase64String(der) + "\n-----END RSA PRIVATE KEY-----");

        Assert.Equal("the key data is not DER-encoded (is the file damaged?)", error.Problem);
    }

    [Theory]
    [InlineData(20)] // inside the modulus: n no longer equals p·q
    [InlineData(400)] // inside the private exponent
    public void Rsa_key_with_damaged_numbers_is_refused_without_the_openssl_code(int offset)
    {
        byte[] der = TestKeyFiles.Der("rsa1024-pkcs1.pem");
        der[offset] ^= 0x55;

        var error = ParseFails(Convert.ToBase64String(der));

        Assert.Equal("the RSA private key is damaged and cannot be read", error.Problem);
        Assert.Contains("error:", error.InnerException!.Message, StringComparison.Ordinal); // OpenSSL's words stay inside
    }

    [Fact]
    public void Der_that_is_not_a_key_structure()
    {
        // SEQUENCE { BOOLEAN TRUE }: DER, but no known key layout.
        var error = ParseFails(Convert.ToBase64String([0x30, 0x03, 0x01, 0x01, 0xFF]));

        Assert.Equal("the key data is not a private key in PKCS#1 or PKCS#8 form", error.Problem);
    }

    [Fact]
    public void Openssh_private_key()
    {
        var error = ParseFails("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");

        Assert.Equal("OpenSSH private keys are not supported; convert with ssh-keygen -p -N '' -m PKCS8 -f KEY", error.Problem);
    }

    [Fact]
    public void Pem_without_any_key()
    {
        var error = ParseFails("-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n");

        Assert.Equal("no private key in the PEM data (found: X509 CRL)", error.Problem);
    }

    [Theory]
    [InlineData("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB")]
    [InlineData("p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDk")]
    public void Dns_record_pasted_instead_of_the_key(string text)
    {
        Assert.Equal("this is a DNS key record (the public key), not a private key", ParseFails(text).Problem);
    }

    [Fact]
    public void Ssh_public_key()
    {
        Assert.Equal("this is an SSH public key, not a DKIM private key", ParseFails("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA user@host").Problem);
    }

    [Fact]
    public void Missing_file()
    {
        using var directory = new TempDirectory();

        Assert.Equal("no such file", LoadFails(Path.Combine(directory.Path, "mail.private")).Problem);
    }

    [Fact]
    public void Directory_instead_of_a_file()
    {
        using var directory = new TempDirectory();

        Assert.Equal("is a directory, not a key file", LoadFails(directory.Path).Problem);
    }

    [Fact]
    public void File_far_too_large_to_be_a_key()
    {
        using var directory = new TempDirectory();
        string path = directory.Write("huge", new string('A', 100_000));

        Assert.Equal("file is 100000 bytes, too large to be a key file", LoadFails(path).Problem);
    }
}
