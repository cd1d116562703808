using System.Security.Cryptography;

namespace Milter.Dkim.Tests.Keys;

/// <summary>The openssl-made keys under TestKeys/ (test-only), and temporary files for format variations.</summary>
internal static class TestKeyFiles
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "TestKeys", name);

    public static string Read(string name) => File.ReadAllText(PathOf(name));

    /// <summary>The DER inside the first PEM block of a test key file.</summary>
    public static byte[] Der(string name)
    {
        var pem = PemEncoding.Find(Read(name));
        return Convert.FromBase64String(Read(name)[pem.Base64Data]);
    }

    /// <summary>The raw key of an Ed25519 SubjectPublicKeyInfo: its last 32 bytes.</summary>
    public static string Ed25519PublicKeyBase64(string name) => Convert.ToBase64String(Der(name)[^32..]);

    /// <summary>The repository's root (holds Milter.sln), to reach samples/.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Milter.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Milter.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary directory removed after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "milter-dkim-tests-" + Guid.NewGuid().ToString("N"));

    public string Write(string name, string text)
    {
        string file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, text);
        return file;
    }

    public string Write(string name, byte[] bytes)
    {
        string file = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(file, bytes);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
