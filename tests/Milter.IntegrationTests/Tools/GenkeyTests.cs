using System.Security.Cryptography;
using System.Text;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Tools;

/// <summary>
/// <c>dkim-milter genkey</c> as an administrator runs it: the files it writes (mode, PEM form, the record in
/// opendkim-genkey's layout with no string over 255 bytes, p= being the key's public half as openssl derives it),
/// the KeyTable and SigningTable lines it prints (which the daemon accepts and signs with), and its refusals.
/// </summary>
public sealed class GenkeyTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-genkey-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task An_RSA_key_is_written_as_opendkim_genkey_writes_it_and_its_record_is_its_public_half()
    {
        var key = await GeneratedKey.CreateAsync(_directory, "example.com", "sel");

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(key.PrivatePath));
        string pem = await File.ReadAllTextAsync(key.PrivatePath);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", pem, StringComparison.Ordinal);
        Assert.EndsWith("\n-----END PRIVATE KEY-----\n", pem, StringComparison.Ordinal);
        Assert.Equal("sel._domainkey", key.Record.Owner);
        Assert.Equal("v=DKIM1; h=sha256; k=rsa; ", key.Record.Strings[0]);
        Assert.StartsWith("p=", key.Record.Strings[1], StringComparison.Ordinal);
        Assert.Equal("  ; ----- DKIM key sel for example.com\n", key.Record.Comment);
        AssertStringsFitDns(key.Record);

        byte[] spki = await OpenSslPublicKeyAsync(key.PrivatePath);
        Assert.Equal(Convert.ToBase64String(spki), key.Record.PublicKey);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(spki, out _);
        Assert.Equal(2048, rsa.KeySize);
    }

    [Fact]
    public async Task An_Ed25519_key_is_PKCS8_PEM_and_its_record_is_k_ed25519_with_the_raw_32_byte_public_key()
    {
        var key = await GeneratedKey.CreateAsync(_directory, "example.com", "ed", "--type", "ed25519");

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(key.PrivatePath));
        string pem = await File.ReadAllTextAsync(key.PrivatePath);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", pem, StringComparison.Ordinal);
        Assert.Equal("v=DKIM1; h=sha256; k=ed25519; ", key.Record.Strings[0]);
        AssertStringsFitDns(key.Record);

        // RFC 8463 §4.2: p= is the bare key, the last 32 bytes of the SubjectPublicKeyInfo openssl derives.
        byte[] spki = await OpenSslPublicKeyAsync(key.PrivatePath);
        Assert.Equal(44, spki.Length);
        Assert.Equal(Convert.ToBase64String(spki[^32..]), key.Record.PublicKey);
    }

    [Theory]
    [InlineData("rsa", "rsa-sha256")]
    [InlineData("ed25519", "ed25519-sha256")]
    public async Task The_printed_KeyTable_and_SigningTable_lines_are_accepted_by_the_daemon_and_sign_the_domains_mail(string type, string algorithm)
    {
        var key = await GeneratedKey.CreateAsync(_directory, "example.com", "sel", "--type", type);

        var lines = key.Output.Split('\n');
        Assert.Contains($"sel._domainkey.example.com example.com:sel:{key.PrivatePath}", lines);
        Assert.Contains("*@example.com sel._domainkey.example.com", lines);
        Assert.All(lines.Where(l => l.Length > 0 && !l.StartsWith('#')), line => Assert.True(
            line.StartsWith("sel._domainkey.example.com ", StringComparison.Ordinal) || line.StartsWith("*@example.com ", StringComparison.Ordinal), line));
        string keyTable = Path.Combine(_directory, "KeyTable");
        string signingTable = Path.Combine(_directory, "SigningTable");
        await File.WriteAllLinesAsync(keyTable, lines.Where(l => l.StartsWith("sel.", StringComparison.Ordinal)));
        await File.WriteAllLinesAsync(signingTable, lines.Where(l => l.StartsWith("*@", StringComparison.Ordinal)));
        string config = Path.Combine(_directory, "opendkim.conf");
        await File.WriteAllTextAsync(config, $"Socket inet:8891@localhost\nKeyTable {keyTable}\nSigningTable refile:{signingTable}\n");

        var check = await ToolProcess.RunAsync("-n", "-x", config);
        var explain = await ToolProcess.RunAsync("explain", "-x", config, "--from", "user@example.com");

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.True(explain.ExitCode == 0, explain.ToString());
        Assert.StartsWith($"would sign with key sel._domainkey.example.com (d=example.com, s=sel, a={algorithm})", explain.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// The same options given to the real opendkim-genkey (Debian's opendkim-tools) and to us give the same .txt
    /// byte for byte once the key characters are masked (both keys are random), and the same PEM armour and
    /// private key mode.
    /// </summary>
    [Theory]
    [InlineData("-d", "example.com", "-s", "sel")]
    [InlineData("-s", "nodomain")]
    [InlineData("-d", "example.com", "-s", "sel", "-a")]
    [InlineData("-d", "example.com", "-s", "sel", "-r", "-t")]
    [InlineData("-d", "example.com", "-s", "sel", "-S")]
    [InlineData("-d", "example.org", "-s", "s2", "-a", "-r", "-t", "-S", "-n", "my note")]
    [InlineData("--domain=example.net", "--selector=long", "--restrict", "--testmode", "--append-domain")]
    [InlineData("-d", "example.com", "-s", "sha", "-h", "sha1:sha256")]
    [InlineData("-d", "example.com", "-s", "small", "-b", "1024")]
    [InlineData("-d", "example.com", "-s", "big", "-b", "4096")]
    [InlineData("-d", "example.com", "-s", "2024.06.r", "-b", "3072", "-t")]
    public async Task The_files_have_opendkim_genkeys_layout(params string[] options)
    {
        string ours = Directory.CreateDirectory(Path.Combine(_directory, "ours")).FullName;
        string theirs = Directory.CreateDirectory(Path.Combine(_directory, "theirs")).FullName;

        var ourRun = await ToolProcess.RunAsync(["genkey", "-D", ours, .. options]);
        var theirRun = await ToolProcess.RunProgramAsync("/usr/sbin/opendkim-genkey", ["-D", theirs, .. options]);

        Assert.True(ourRun.ExitCode == 0, ourRun.ToString());
        Assert.True(theirRun.ExitCode == 0, theirRun.ToString());
        string selector = Directory.GetFiles(theirs, "*.txt").Select(Path.GetFileNameWithoutExtension).Single()!;
        string ourText = await File.ReadAllTextAsync(Path.Combine(ours, selector + ".txt"));
        string theirText = await File.ReadAllTextAsync(Path.Combine(theirs, selector + ".txt"));
        Assert.Equal(MaskKey(theirText), MaskKey(ourText));
        AssertStringsFitDns(ZoneFileRecord.Parse(ourText));
        string ourKey = Path.Combine(ours, selector + ".private");
        string theirKey = Path.Combine(theirs, selector + ".private");
        Assert.Equal(File.ReadLines(theirKey).First(), File.ReadLines(ourKey).First());
        Assert.Equal(File.GetUnixFileMode(theirKey), File.GetUnixFileMode(ourKey));
    }

    [Fact]
    public async Task The_private_key_is_owner_only_even_under_umask_000()
    {
        var result = await ToolProcess.RunWithUmaskAsync("000", "genkey", "-d", "example.com", "-s", "sel", "-D", _directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(_directory, "sel.private")));
        Assert.Equal(OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(_directory, "sel.txt")));
    }

    [Fact]
    public async Task An_existing_key_is_not_overwritten_without_force_and_is_replaced_whole_with_it()
    {
        var first = await GeneratedKey.CreateAsync(_directory, "example.com", "sel");
        byte[] firstKey = await File.ReadAllBytesAsync(first.PrivatePath);

        var refused = await ToolProcess.RunAsync("genkey", "-d", "example.com", "-s", "sel", "-D", _directory);

        Assert.Equal(73, refused.ExitCode);
        Assert.Contains($"{first.PrivatePath} already exists; give --force to replace it", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(firstKey, await File.ReadAllBytesAsync(first.PrivatePath));

        var replaced = await GeneratedKey.CreateAsync(_directory, "example.com", "sel", "--force");

        Assert.NotEqual(firstKey, await File.ReadAllBytesAsync(replaced.PrivatePath));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(replaced.PrivatePath));
        Assert.NotEqual(first.Record.PublicKey, replaced.Record.PublicKey);
        Assert.Equal(["sel.private", "sel.txt"], Directory.GetFiles(_directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_existing_txt_file_alone_also_stops_it_before_a_key_is_written()
    {
        string txt = Path.Combine(_directory, "sel.txt");
        await File.WriteAllTextAsync(txt, "someone's record\n");

        var refused = await ToolProcess.RunAsync("genkey", "-d", "example.com", "-s", "sel", "-D", _directory);

        Assert.Equal(73, refused.ExitCode);
        Assert.False(File.Exists(Path.Combine(_directory, "sel.private")));
        Assert.Equal("someone's record\n", await File.ReadAllTextAsync(txt));
    }

    [Fact]
    public async Task Without_d_it_uses_opendkim_genkeys_default_domain_and_says_so()
    {
        var result = await ToolProcess.RunAsync("genkey", "-s", "sel", "-D", _directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("no -d given", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("*@localhost sel._domainkey.localhost", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RSA keys under 1024 bits are refused", "-b", "512")]
    [InlineData("RSA key sizes are multiples of 8", "-b", "2049")]
    [InlineData("an Ed25519 key is always 256 bits", "--type", "ed25519", "-b", "2048")]
    [InlineData("the key type is rsa or ed25519", "--type", "dsa")]
    [InlineData("the key must allow sha256", "-h", "sha1")]
    [InlineData("the note cannot contain ';'", "-n", "a;b")]
    [InlineData("a selector is made of DNS labels", "-s", "../etc/x")]
    [InlineData("a domain is made of DNS labels", "-d", "exa mple.com")]
    [InlineData("unknown option -q", "-q")]
    [InlineData("-b needs a value", "-b")]
    public async Task Bad_options_are_refused_with_exit_64_and_the_reason(string reason, params string[] options)
    {
        var result = await ToolProcess.RunAsync(["genkey", "-D", _directory, .. options]);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains(reason, result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task A_missing_directory_is_reported_with_exit_73()
    {
        string missing = Path.Combine(_directory, "nope");

        var result = await ToolProcess.RunAsync("genkey", "-d", "example.com", "-D", missing);

        Assert.Equal(73, result.ExitCode);
        Assert.Contains($"{missing}: no such directory", result.StandardError, StringComparison.Ordinal);
    }

    private static void AssertStringsFitDns(ZoneFileRecord record) =>
        Assert.All(record.Strings, s => Assert.InRange(Encoding.ASCII.GetByteCount(s), 1, 255));

    // Every character of the key data (the strings from p= on) becomes K; the layout around them stays.
    private static string MaskKey(string text)
    {
        var record = ZoneFileRecord.Parse(text);
        int first = record.Strings.ToList().FindIndex(s => s.StartsWith("p=", StringComparison.Ordinal));
        Assert.True(first > 0, text);
        var masked = new StringBuilder(text);
        int at = 0;
        foreach (var piece in record.Strings.Skip(first))
        {
            string data = piece.StartsWith("p=", StringComparison.Ordinal) ? piece[2..] : piece;
            at = masked.ToString().IndexOf(data, at, StringComparison.Ordinal);
            for (int i = 0; i < data.Length; i++)
            {
                masked[at + i] = 'K';
            }

            at += data.Length;
        }

        return masked.ToString();
    }

    private static async Task<byte[]> OpenSslPublicKeyAsync(string privateKey)
    {
        string output = privateKey + ".der";
        ProcessResult result = await ToolProcess.RunProgramAsync("/usr/bin/openssl", "pkey", "-in", privateKey, "-pubout", "-outform", "DER", "-out", output);
        Assert.True(result.ExitCode == 0, result.ToString());
        byte[] der = await File.ReadAllBytesAsync(output);
        File.Delete(output);
        return der;
    }
}
