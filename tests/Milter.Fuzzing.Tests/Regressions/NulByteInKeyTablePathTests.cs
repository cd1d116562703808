using System.Text;
using Milter.Fuzzing.Targets;

namespace Milter.Fuzzing.Tests.Regressions;

/// <summary>
/// The same fault one level down (found while replaying the opendkim-conf finding): a KeyTable file whose key path
/// holds a NUL byte made PrivateKeyLoader.LoadFile throw ArgumentException, which neither the start-up checks nor
/// the key loading of the filter catch. It is now an unusable key, reported against the KeyTable line.
/// </summary>
public sealed class NulByteInKeyTablePathTests
{
    [Fact]
    public void Is_reported_as_an_unusable_key()
    {
        string directory = Directory.CreateTempSubdirectory("milter-fuzz-regression-").FullName;
        try
        {
            string keyTable = Path.Combine(directory, "KeyTable");
            File.WriteAllText(keyTable, "k example.com:mail:/etc/opendkim/keys/mail\0.private\n");
            string config = $"KeyTable file:{keyTable}\nSigningTable csl:*=k\nSocket inet:8891@localhost\n";

            var outcome = FuzzHarness.Execute(new ConfigFileTarget(), Encoding.UTF8.GetBytes(config));

            Assert.Null(outcome);
            var problem = Assert.Throws<Milter.Dkim.Keys.KeyFormatException>(() => Milter.Dkim.Keys.PrivateKeyLoader.LoadFile("/etc/opendkim/keys/mail\0.private"));
            Assert.Equal("the path contains a NUL byte", problem.Problem);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
