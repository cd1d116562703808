using System.Security.Cryptography;
using Milter.Configuration.Checks;

namespace Milter.Configuration.Tests.Checks;

public sealed class ConfigurationChecksTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TemporaryDirectory _directory = new();
    private readonly string _keys;
    private readonly string _key;

    public ConfigurationChecksTests()
    {
        _keys = Path.Combine(_directory.Path, "keys");
        Directory.CreateDirectory(_keys);
        File.SetUnixFileMode(_keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        using var rsa = RSA.Create(2048);
        _key = Path.Combine(_keys, "mail.private");
        File.WriteAllText(_key, rsa.ExportRSAPrivateKeyPem());
        File.SetUnixFileMode(_key, Private);
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_consistent_configuration_has_no_findings()
    {
        Assert.Empty(Check("*@example.com sel._domainkey.example.com\n"));
    }

    [Fact]
    public void The_seeds_colon_typo_is_found_with_the_name_it_meant()
    {
        var finding = Assert.Single(Check("*@example.com sel:_domainkey.example.com\n"));

        Assert.True(finding.IsError);
        Assert.EndsWith("SigningTable", finding.File, StringComparison.Ordinal);
        Assert.Equal(1, finding.Line);
        Assert.Contains("names key 'sel', which is not in the KeyTable", finding.Problem, StringComparison.Ordinal);
        Assert.StartsWith("did you mean sel._domainkey.example.com?", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_key_name_gets_the_nearest_one()
    {
        var finding = Assert.Single(Check("*@example.com sel._domainkey.exmaple.com\n"));

        Assert.Equal("did you mean sel._domainkey.example.com?", finding.Hint);
    }

    [Fact]
    public void A_signing_table_without_a_key_table_is_an_error()
    {
        string signingTable = _directory.Write("SigningTable", "*@example.com k\n");
        var config = ConfigFileParser.Parse($"Socket inet:8891@localhost\nSigningTable refile:{signingTable}\n", "opendkim.conf");

        var finding = Assert.Single(ConfigurationChecks.Run(config));

        Assert.Equal("SigningTable without KeyTable", finding.Problem);
        Assert.Equal(2, finding.Line);
    }

    [Fact]
    public void A_missing_or_broken_key_file_is_reported_in_plain_words()
    {
        File.WriteAllText(_key, "this is not a key");

        var finding = Assert.Single(Check("*@example.com sel._domainkey.example.com\n"));

        Assert.Contains("KeyTable entry 'sel._domainkey.example.com'", finding.Problem, StringComparison.Ordinal);
        Assert.Contains(_key, finding.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_key_file_named_by_many_entries_is_reported_once()
    {
        File.WriteAllText(_key, "this is not a key");
        string keyTable = _directory.Write("KeyTable", string.Concat(Enumerable.Range(0, 3).Select(i => $"k{i} d{i}.example.com:sel:{_key}\n")));
        string signing = _directory.Write("SigningTable", "d0.example.com k0\nd1.example.com k1\nd2.example.com k2\n");
        var config = ConfigFileParser.Parse($"Socket inet:8891@localhost\nKeyTable file:{keyTable}\nSigningTable file:{signing}\n", "opendkim.conf");

        var finding = Assert.Single(ConfigurationChecks.Run(config));

        Assert.Contains("KeyTable entry 'k0' (and 2 more naming the same key)", finding.Problem, StringComparison.Ordinal);
        Assert.Equal(1, finding.Line);
    }

    [Fact]
    public void A_world_readable_key_is_unsafe()
    {
        File.SetUnixFileMode(_key, Private | UnixFileMode.OtherRead);

        var finding = Assert.Single(Check("*@example.com sel._domainkey.example.com\n"));

        Assert.Contains($"key data is not secure: {_key}: the key can be read by other users", finding.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"fix: chmod o-rwx {_key}", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_writable_parent_is_unsafe()
    {
        File.SetUnixFileMode(_keys, File.GetUnixFileMode(_keys) | UnixFileMode.GroupWrite);

        var finding = Assert.Single(Check("*@example.com sel._domainkey.example.com\n"));

        Assert.Contains($"{_keys}: the directory's group can replace the key (group-writable)", finding.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"fix: chmod g-w {_keys}", finding.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_world_writable_ancestor_is_unsafe_but_a_sticky_one_is_not()
    {
        File.SetUnixFileMode(_directory.Path, File.GetUnixFileMode(_directory.Path) | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        var finding = Assert.Single(Check("*@example.com sel._domainkey.example.com\n"));
        Assert.Contains($"{_directory.Path}: any user can replace the key through this directory (world-writable)", finding.Problem, StringComparison.Ordinal);

        File.SetUnixFileMode(_directory.Path, File.GetUnixFileMode(_directory.Path) | UnixFileMode.StickyBit);
        Assert.Empty(Check("*@example.com sel._domainkey.example.com\n"));
    }

    [Fact]
    public void RequireSafeKeys_no_skips_the_permission_check_only()
    {
        File.SetUnixFileMode(_key, Private | UnixFileMode.OtherRead);

        Assert.Empty(Check("*@example.com sel._domainkey.example.com\n", "RequireSafeKeys no\n"));
    }

    [Fact]
    public void Single_key_settings_next_to_a_key_table_are_reported_as_ignored()
    {
        var findings = Check("*@example.com sel._domainkey.example.com\n", $"KeyFile {_key}\nSelector other\n");

        Assert.Equal(["KeyFile is ignored because KeyTable is set (line 2)", "Selector is ignored because KeyTable is set (line 2)"],
            findings.Where(f => !f.IsError).Select(f => f.Problem));
        Assert.DoesNotContain(findings, f => f.IsError);
    }

    [Theory]
    [InlineData("Domain example.com\nKeyFile KEY\n", true, "KeyFile needs Selector too")]
    [InlineData("Selector sel\nKeyFile KEY\n", true, "KeyFile needs Domain too")]
    [InlineData("Domain example.com\nSelector sel\n", false, "neither KeyFile nor KeyTable: no message will be signed")]
    [InlineData("Domain example.com\nSelector sel\nKeyFile KEY\n", false, null)]
    public void Single_key_mode_needs_all_three_settings(string settings, bool isError, string? problem)
    {
        var config = ConfigFileParser.Parse("Socket inet:8891@localhost\n" + settings.Replace("KEY", _key, StringComparison.Ordinal), "opendkim.conf");

        var findings = ConfigurationChecks.Run(config);

        if (problem is null)
        {
            Assert.Empty(findings);
            return;
        }

        var finding = Assert.Single(findings);
        Assert.Equal(isError, finding.IsError);
        Assert.Contains(problem, finding.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_table_without_a_signing_table_signs_nothing()
    {
        string keyTable = _directory.Write("KeyTable", $"sel._domainkey.example.com example.com:sel:{_key}\n");
        var config = ConfigFileParser.Parse($"KeyTable refile:{keyTable}\n", "opendkim.conf");

        var finding = Assert.Single(ConfigurationChecks.Run(config));

        Assert.False(finding.IsError);
        Assert.Equal("KeyTable without SigningTable: no message will be signed", finding.Problem);
    }

    private IReadOnlyList<ConfigDiagnostic> Check(string signingTable, string extra = "")
    {
        string keyTable = _directory.Write("KeyTable", $"sel._domainkey.example.com example.com:sel:{_key}\n");
        string signing = _directory.Write("SigningTable", signingTable);
        var config = ConfigFileParser.Parse($"Socket inet:8891@localhost\nKeyTable refile:{keyTable}\nSigningTable refile:{signing}\n{extra}", "opendkim.conf");
        return ConfigurationChecks.Run(config);
    }
}
