using Milter.Configuration.Datasets;

namespace Milter.Configuration.Tests.Datasets;

public sealed class DatasetTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("file:", DatasetKind.File)]
    [InlineData("refile:", DatasetKind.Patterns)]
    [InlineData("", DatasetKind.File)]
    public void Files_hold_one_key_and_value_a_line_with_comments(string prefix, DatasetKind kind)
    {
        string path = _directory.Write("table", "# a comment\nkey1 value one  # trailing comment\n\n  key2\tvalue2\nlonely\n");

        var dataset = DatasetParser.Load(Setting(prefix + path));

        Assert.Equal(kind, dataset.Kind);
        Assert.Equal([("key1", "value one", 2), ("key2", "value2", 4), ("lonely", "", 5)], dataset.Entries.Select(e => (e.Key, e.Value, e.Line)));
        Assert.Equal(path, dataset.Entries[0].Source);
    }

    [Theory]
    [InlineData("csl:127.0.0.1, ::1 ,example.com")]
    [InlineData("127.0.0.1,::1,example.com")]
    public void Lists_come_from_the_setting_itself(string value)
    {
        var dataset = DatasetParser.Load(Setting(value));

        Assert.Equal(DatasetKind.List, dataset.Kind);
        Assert.Equal(["127.0.0.1", "::1", "example.com"], dataset.Keys);
    }

    [Fact]
    public void List_items_may_carry_values()
    {
        var dataset = DatasetParser.Load(Setting("csl:daemon_name=ORIGINATING,{auth_type}"));

        Assert.Equal("ORIGINATING", dataset.Find("daemon_name")!.Value);
        Assert.Equal("", dataset.Find("{AUTH_TYPE}")!.Value);
    }

    [Theory]
    [InlineData("ldap://ldap.example.com/", "LDAP")]
    [InlineData("db:/etc/opendkim/keys.db", "Berkeley DB")]
    [InlineData("lua:/etc/opendkim/table.lua", "Lua")]
    [InlineData("memcache:localhost:11211", "memcache")]
    public void Unsupported_types_are_refused_by_name(string value, string what)
    {
        var error = Assert.Throws<ConfigurationException>(() => DatasetParser.Load(Setting(value)));

        Assert.Contains($"{what} datasets", error.Problem, StringComparison.Ordinal);
        Assert.Contains("not supported yet", error.Problem, StringComparison.Ordinal);
        Assert.Equal(7, error.Line);
    }

    [Fact]
    public void A_missing_file_names_the_setting_and_the_path()
    {
        var error = Assert.Throws<ConfigurationException>(() => DatasetParser.Load(Setting("refile:/nonexistent/SigningTable")));

        Assert.Contains("SigningTable: cannot read /nonexistent/SigningTable", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*@example.com", "user@example.com", true)]
    [InlineData("*@example.com", "USER@EXAMPLE.COM", true)]
    [InlineData("*@example.com", "user@sub.example.com", false)]
    [InlineData("*@*.example.com", "user@sub.example.com", true)]
    [InlineData("*", "anything@anywhere", true)]
    [InlineData("user@example.com", "user@example.com", true)]
    [InlineData("user@example.com", "xuser@example.com", false)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("a.b", "aXb", false)]
    public void Refile_globs_treat_only_the_star_as_special(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Glob.IsMatch(pattern, text));
    }

    private static ConfigEntry Setting(string value) => new("SigningTable", value, "/etc/opendkim.conf", 7);
}
