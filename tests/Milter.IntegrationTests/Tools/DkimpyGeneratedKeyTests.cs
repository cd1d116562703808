using System.Text;

namespace Milter.IntegrationTests.Tools;

/// <summary>
/// The keys <c>dkim-milter genkey</c> writes work outside dkim-milter: dkimpy (Debian's python3-dkim) signs a
/// message with the .private file and verifies the signature against the record in the .txt file, joined from its
/// strings as DNS would serve it. A key that does not match its record fails.
/// </summary>
public sealed class DkimpyGeneratedKeyTests : IDisposable
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes(
        "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: genkey\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nHello.\r\n");

    private readonly string _directory = Directory.CreateTempSubdirectory("milter-genkey-dkimpy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("rsa", "rsa-sha256", new string[0])]
    [InlineData("rsa", "rsa-sha256", new[] { "-b", "4096", "-r" })]
    [InlineData("ed25519", "ed25519-sha256", new string[0])]
    [InlineData("ed25519", "ed25519-sha256", new[] { "-r", "-S" })]
    public async Task Dkimpy_signs_with_the_private_file_and_verifies_against_the_txt_record(string type, string algorithm, string[] extra)
    {
        var key = await GeneratedKey.CreateAsync(_directory, "example.com", "sel", ["--type", type, .. extra]);

        var answer = await DkimpyKeyCheck.SignAndVerifyAsync(key, algorithm, key.Record.RecordText, Message);

        Assert.True(answer.Verified, $"dkimpy: {answer.Error}\n{answer.Signature}");
        Assert.Contains($"a={algorithm};", answer.Signature, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rsa", "rsa-sha256")]
    [InlineData("ed25519", "ed25519-sha256")]
    public async Task Dkimpy_refuses_the_signature_against_another_generated_keys_record(string type, string algorithm)
    {
        var key = await GeneratedKey.CreateAsync(_directory, "example.com", "sel", "--type", type);
        var other = await GeneratedKey.CreateAsync(_directory, "example.com", "other", "--type", type);

        var answer = await DkimpyKeyCheck.SignAndVerifyAsync(key, algorithm, other.Record.RecordText, Message);

        Assert.False(answer.Verified, answer.Signature);
    }
}
