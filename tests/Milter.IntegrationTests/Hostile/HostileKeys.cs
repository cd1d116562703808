using Milter.Dkim.Keys;
using Milter.IntegrationTests.Daemon;

namespace Milter.IntegrationTests.Hostile;

/// <summary>
/// Keys too slow to generate in a test: an 8192-bit RSA key made once with <c>openssl genrsa 8192</c> (a test key,
/// published nowhere), read from the source tree.
/// </summary>
internal static class HostileKeys
{
    private static readonly Lazy<DkimPrivateKey> LazyRsa8192 = new(() =>
        PrivateKeyLoader.LoadFile(Path.Combine(RepositoryRoot.Path, "tests", "Milter.IntegrationTests", "Hostile", "rsa8192.private")));

    public static DkimPrivateKey Rsa8192 => LazyRsa8192.Value;
}
