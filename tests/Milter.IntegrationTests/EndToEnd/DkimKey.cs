using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// A signing key on disk and the DNS TXT record that publishes its public half. The public key is derived with
/// openssl, not with our own key code, so the verifier's key does not depend on the daemon's reading of the file.
/// </summary>
internal sealed record DkimKey(string Selector, string Domain, string PrivateKeyPath, string TxtRecord)
{
    public const string SeedDomain = "shjtest.o-r.kr";

    public const string SeedSelector = "1728277767.r";

    private const string OpenSsl = "/usr/bin/openssl";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The KeyTable key name, e.g. <c>1728277767.r._domainkey.shjtest.o-r.kr</c>.</summary>
    public string KeyName => $"{Selector}._domainkey.{Domain}";

    /// <summary>Where a verifier looks the record up (dkimpy asks for the name with the final dot).</summary>
    public string DnsName => KeyName + ".";

    /// <summary>The bundled 2048-bit RSA test key of samples/local, copied to <paramref name="directory"/> with mode 600.</summary>
    public static async Task<DkimKey> CopyBundledRsaAsync(string directory)
    {
        string path = Path.Combine(directory, "mail.private");
        File.Copy(Path.Combine(RepositoryRoot.Path, "samples", "local", "keys", "mail.private"), path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        byte[] spki = await PublicKeyDerAsync(path);
        return new DkimKey(SeedSelector, SeedDomain, path, $"v=DKIM1; k=rsa; p={Convert.ToBase64String(spki)}");
    }

    /// <summary>A fresh Ed25519 key (PKCS#8 PEM, as <c>openssl genpkey</c> writes it), mode 600.</summary>
    public static async Task<DkimKey> GenerateEd25519Async(string directory, string selector, string domain)
    {
        string path = Path.Combine(directory, $"{selector}.private");
        await RunAsync("genpkey", "-algorithm", "ed25519", "-out", path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        byte[] spki = await PublicKeyDerAsync(path);
        // RFC 8463 §4: p= is the raw 32-byte public key, which is the end of the 44-byte SubjectPublicKeyInfo.
        Assert.Equal(44, spki.Length);
        return new DkimKey(selector, domain, path, $"v=DKIM1; k=ed25519; p={Convert.ToBase64String(spki[^32..])}");
    }

    private static async Task<byte[]> PublicKeyDerAsync(string privateKeyPath)
    {
        string output = privateKeyPath + ".pub.der";
        await RunAsync("pkey", "-in", privateKeyPath, "-pubout", "-outform", "DER", "-out", output);
        return await File.ReadAllBytesAsync(output);
    }

    private static async Task RunAsync(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(OpenSsl, arguments, Timeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl failed: {result}");
        }
    }
}
