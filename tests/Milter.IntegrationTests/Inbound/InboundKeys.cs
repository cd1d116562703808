using System.Security.Cryptography;
using Milter.IntegrationTests.Dns;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// The keys the inbound messages are signed with, and the DNS that publishes (or withholds) them. Every selector
/// is one situation a verifier meets; <see cref="Publish"/> puts all of them on a <see cref="LoopbackDnsServer"/>.
/// RSA keys come from the BCL (OpenSSL underneath), not from our DKIM key code, so the verifier's keys do not
/// depend on the code under test; the Ed25519 public key is derived by PyNaCl.
/// </summary>
internal sealed class InboundKeys
{
    public const string Domain = "example.net";

    /// <summary>The second signer's domain in the two-signature message.</summary>
    public const string OtherDomain = "example.org";

    public const string GoodSelector = "sel2048";
    public const string Ed25519Selector = "ed";
    public const string SmallKeySelector = "s512";
    public const string RevokedSelector = "revoked";
    public const string MissingSelector = "nx";
    public const string ServFailSelector = "servfail";
    public const string TimeoutSelector = "timeout";

    /// <summary>At <see cref="OtherDomain"/>: its record publishes a different key than the one that signs.</summary>
    public const string MismatchSelector = "other";

    private InboundKeys(string rsa2048, string rsa2048Public, string rsa512, string rsa512Public, string otherSigner, string decoyPublic, string ed25519Seed)
    {
        Rsa2048 = rsa2048;
        Rsa2048Public = rsa2048Public;
        Rsa512 = rsa512;
        Rsa512Public = rsa512Public;
        OtherSigner = otherSigner;
        DecoyPublic = decoyPublic;
        Ed25519Seed = ed25519Seed;
    }

    /// <summary>PKCS#8 PEM of the 2048-bit key published at <see cref="GoodSelector"/>.</summary>
    public string Rsa2048 { get; }

    /// <summary>PKCS#8 PEM of the 512-bit key at <see cref="SmallKeySelector"/> (below MinimumKeyBits 1024).</summary>
    public string Rsa512 { get; }

    /// <summary>PKCS#8 PEM of the key that signs as <see cref="MismatchSelector"/> (DNS has another key there).</summary>
    public string OtherSigner { get; }

    /// <summary>The base64 32-byte Ed25519 seed, dkimpy's form of the private key.</summary>
    public string Ed25519Seed { get; }

    private string Rsa2048Public { get; }

    private string Rsa512Public { get; }

    private string DecoyPublic { get; }

    public static InboundKeys Generate()
    {
        using var rsa2048 = RSA.Create(2048);
        using var rsa512 = RSA.Create(512);
        using var other = RSA.Create(2048);
        using var decoy = RSA.Create(2048);
        return new InboundKeys(
            rsa2048.ExportPkcs8PrivateKeyPem(),
            Spki(rsa2048),
            rsa512.ExportPkcs8PrivateKeyPem(),
            Spki(rsa512),
            other.ExportPkcs8PrivateKeyPem(),
            Spki(decoy),
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }

    /// <summary>
    /// Publishes every selector: the working keys, a revoked one, and the DNS failures. <paramref name="ed25519Public"/>
    /// is the raw public key of <see cref="Ed25519Seed"/>, base64, as dkimpy derived it.
    /// </summary>
    public void Publish(LoopbackDnsServer dns, string ed25519Public)
    {
        ArgumentNullException.ThrowIfNull(dns);

        dns.SetKeyRecord(GoodSelector, Domain, $"v=DKIM1; k=rsa; p={Rsa2048Public}");
        dns.SetKeyRecord(SmallKeySelector, Domain, $"v=DKIM1; k=rsa; p={Rsa512Public}");
        dns.SetKeyRecord(Ed25519Selector, Domain, $"v=DKIM1; k=ed25519; p={ed25519Public}");
        dns.SetKeyRecord(RevokedSelector, Domain, "v=DKIM1; k=rsa; p=");
        dns.SetKeyRecord(MismatchSelector, OtherDomain, $"v=DKIM1; k=rsa; p={DecoyPublic}");
        dns.SetNxDomain($"{MissingSelector}._domainkey.{Domain}");
        dns.SetServFail($"{ServFailSelector}._domainkey.{Domain}");
        dns.SetNoAnswer($"{TimeoutSelector}._domainkey.{Domain}");
    }

    private static string Spki(RSA key) => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
}
