using Milter.Dkim.Keys;
using Milter.IntegrationTests.Daemon;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// The keys of the handler tests: the repository's sample RSA key (2048 bits, as real deployments use, so the
/// A-R says "2048-bit key" like the measured OpenDKIM output) and an Ed25519 key made once per test run. Both
/// sign for our domains and, published under other names, stand in for foreign senders.
/// </summary>
internal static class TestKeys
{
    public const string RsaFile = "rsa.private";
    public const string Ed25519File = "ed25519.private";
    public const string GarbageFile = "garbage.private";

    private static readonly string SamplePath = Path.Combine(RepositoryRoot.Path, "samples", "local", "keys", "mail.private");
    private static readonly Lazy<DkimPrivateKey> LazyRsa = new(() => PrivateKeyLoader.LoadFile(SamplePath));
    private static readonly Lazy<Ed25519PrivateKey> LazyEd25519 = new(Ed25519PrivateKey.Generate);

    public static DkimPrivateKey Rsa => LazyRsa.Value;

    public static Ed25519PrivateKey Ed25519 => LazyEd25519.Value;

    /// <summary>The TXT record publishing <see cref="Rsa"/>.</summary>
    public static string RsaRecord => $"v=DKIM1; k=rsa; p={Rsa.PublicKey.ToRecordValue()}";

    /// <summary>The TXT record publishing <see cref="Ed25519"/>.</summary>
    public static string Ed25519Record => $"v=DKIM1; k=ed25519; p={Ed25519.PublicKey.ToRecordValue()}";

    /// <summary>Writes the key files (and one that is not a key at all) into <paramref name="directory"/>, readable
    /// by the owner only, as a real key directory would be.</summary>
    public static void WriteFiles(string directory)
    {
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        string rsa = Path.Combine(directory, RsaFile);
        File.Copy(SamplePath, rsa);
        File.SetUnixFileMode(rsa, OwnerOnly);
        string ed = Path.Combine(directory, Ed25519File);
        File.WriteAllText(ed, Ed25519.ExportPkcs8Pem());
        File.SetUnixFileMode(ed, OwnerOnly);
        // What a botched copy-and-paste leaves: OpenDKIM logs "d2i_PrivateKey_bio() failed" for it.
        string garbage = Path.Combine(directory, GarbageFile);
        File.WriteAllText(garbage, "this is not a key\n");
        File.SetUnixFileMode(garbage, OwnerOnly);
    }
}
