using Milter.Configuration.Datasets;
using Milter.Configuration.Tables;

namespace Milter.Configuration.Tests.Tables;

public sealed class TableTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void KeyTable_lines_are_domain_selector_and_key_path_or_inline_key()
    {
        var problems = new List<ConfigurationException>();
        var table = KeyTable.From(Load("KeyTable", "file:",
            "sel._domainkey.example.com example.com:sel:/etc/opendkim/keys/example.com/sel.private\n" +
            "any %:mail:./keys/mail.private\n" +
            "inline example.org:s1:MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n" +
            "broken example.net:only-two\n"), problems);

        var first = table.Find("SEL._domainkey.example.com")!;
        Assert.Equal(("example.com", "sel", "/etc/opendkim/keys/example.com/sel.private"), (first.Domain, first.Selector, first.KeyPath));
        var any = table.Find("any")!;
        Assert.True(any.UsesSenderDomain);
        Assert.Equal("sender.example", any.DomainFor("sender.example"));
        Assert.Equal("./keys/mail.private", any.KeyPath);
        var inline = table.Find("inline")!;
        Assert.Null(inline.KeyPath);
        Assert.Equal("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", inline.InlineKey);
        var problem = Assert.Single(problems);
        Assert.Equal(4, problem.Line);
        Assert.Contains("not domain:selector:keypath", problem.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user@example.com", "k-user")]
    [InlineData("other@example.com", "k-domain")]
    [InlineData("user@sub.example.com", "k-sub")]
    [InlineData("x@example.org", "k-any")]
    public void Refile_signing_tables_try_patterns_in_file_order(string sender, string expectedKey)
    {
        var table = SigningTable.From(Load("SigningTable", "refile:",
            "user@example.com k-user\n*@example.com k-domain\n*@*.example.com k-sub\n* k-any\n"));

        Assert.Equal(expectedKey, table.Match(sender)[0].KeyName);
    }

    [Theory]
    [InlineData("user@mail.example.com", "k-user-host")]
    [InlineData("other@mail.example.com", "k-host")]
    [InlineData("user@www.example.com", "k-user-parent")]
    [InlineData("other@www.example.com", "k-parent")]
    [InlineData("user@example.net", "k-user-any")]
    [InlineData("other@example.net", "k-any")]
    public void Other_signing_tables_look_up_user_at_host_host_parents_then_wildcards(string sender, string expectedKey)
    {
        var table = SigningTable.From(Load("SigningTable", "file:",
            "* k-any\nuser@* k-user-any\n.example.com k-parent\nuser@.example.com k-user-parent\nmail.example.com k-host\nuser@mail.example.com k-user-host\n"));

        Assert.Equal(expectedKey, table.Match(sender)[0].KeyName);
    }

    [Fact]
    public void A_signer_suffix_becomes_i_with_percent_as_the_sender_domain()
    {
        var table = SigningTable.From(Load("SigningTable", "refile:", "*@example.com key1:@%\n*@example.org key2:news@example.org\n*@example.net key3\n"));

        Assert.Equal("@example.com", table.Match("a@example.com")[0].Signer);
        Assert.Equal("news@example.org", table.Match("a@example.org")[0].Signer);
        Assert.Null(table.Match("a@example.net")[0].Signer);
    }

    [Fact]
    public void Every_matching_entry_is_returned_for_multiple_signatures()
    {
        var table = SigningTable.From(Load("SigningTable", "refile:", "*@example.com rsa-key\n*@example.com ed25519-key\n*@example.org other\n"));

        Assert.Equal(["rsa-key", "ed25519-key"], table.Match("user@example.com").Select(match => match.KeyName));
        Assert.Empty(table.Match("user@example.net"));
    }

    private Dataset Load(string name, string prefix, string text) =>
        DatasetParser.Load(new ConfigEntry(name, prefix + _directory.Write(name, text), "/etc/opendkim.conf", 1));
}
