namespace Milter.Configuration.Tests;

public class ConfigFileParserTests
{
    private static string SeedConfigPath => Path.Combine(RepositoryRoot.Path, "samples", "seed", "opendkim.conf");

    [Fact]
    public void The_seeds_file_as_printed_parses_with_its_trailing_comments()
    {
        var config = ConfigFileParser.Load(SeedConfigPath);

        Assert.Equal("inet:8891@localhost", config.GetString("Socket"));
        Assert.Equal("1728277767.r", config.GetString("Selector"));
        Assert.Equal("refile:/etc/opendkim/SigningTable", config.GetString("SigningTable"));
        Assert.True(config.GetBoolean("Syslog", false));
        Assert.True(config.GetBoolean("LogWhy", false));
        Assert.Equal(14, config.Entries.Count);
        Assert.Equal(9, config.Find("Socket")!.Line);
    }

    [Fact]
    public void Names_are_case_insensitive_and_the_last_setting_wins()
    {
        var config = ConfigFileParser.Parse("socket inet:1@localhost\nSOCKET inet:2@localhost\n", "t.conf");

        var entry = config.Find("Socket")!;
        Assert.Equal("inet:2@localhost", entry.Value);
        Assert.Equal(2, entry.Line);
    }

    [Theory]
    [InlineData("Socket\tinet:1@localhost", "inet:1@localhost")]
    [InlineData("   Socket    inet:1@localhost   # the milter socket", "inet:1@localhost")]
    [InlineData("SyslogName my milter # a value with a space", "my milter")]
    public void Values_are_separated_by_blanks_and_end_at_a_comment(string line, string expected)
    {
        var config = ConfigFileParser.Parse(line, "t.conf");

        Assert.Equal(expected, config.Entries.Values.Single().Value);
    }

    [Theory]
    [InlineData("# only a comment\n\n   \n")]
    [InlineData("")]
    public void Blank_and_comment_lines_set_nothing(string text)
    {
        Assert.Empty(ConfigFileParser.Parse(text, "t.conf").Entries);
    }

    [Theory]
    [InlineData("Socket inet:1@localhost\nBogusName 1", 2, "unrecognized parameter", "not an OpenDKIM parameter")]
    [InlineData("Sokcet inet:1@localhost", 1, "unrecognized parameter", "did you mean Socket?")]
    [InlineData("Socket=inet:1@localhost", 1, "unrecognized parameter", "name, a space, then the value")]
    [InlineData("\n\nSocket   # no value", 3, "required value missing", "Socket <value>")]
    public void Mistakes_name_the_file_the_line_and_a_hint(string text, int line, string problem, string hint)
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigFileParser.Parse(text, "/etc/opendkim.conf"));

        Assert.Equal("/etc/opendkim.conf", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(problem, error.Problem);
        Assert.Contains(hint, error.Hint, StringComparison.Ordinal);
        Assert.StartsWith($"/etc/opendkim.conf: configuration error at line {line}: {problem}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_reported_as_OpenDKIM_does()
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigFileParser.Load("/nonexistent/opendkim.conf"));

        Assert.Equal(0, error.Line);
        Assert.Equal("error reading configuration file", error.Problem);
    }

    [Fact]
    public void Include_reads_another_file_in_place()
    {
        using var directory = new TemporaryDirectory();
        string included = directory.Write("included.conf", "Selector from-include\nSyslog yes\n");
        string main = directory.Write("main.conf", $"Selector first\nInclude {included}\nSyslog no\n");

        var config = ConfigFileParser.Load(main);

        Assert.Equal("from-include", config.GetString("Selector"));
        Assert.Equal(included, config.Find("Selector")!.File);
        Assert.False(config.GetBoolean("Syslog", true));
    }

    [Fact]
    public void An_include_loop_is_an_error_not_a_hang()
    {
        using var directory = new TemporaryDirectory();
        string path = Path.Combine(directory.Path, "loop.conf");
        File.WriteAllText(path, $"Include {path}\n");

        var error = Assert.Throws<ConfigurationException>(() => ConfigFileParser.Load(path));

        Assert.Contains("nested too deeply", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_known_name_is_accepted()
    {
        foreach (string name in KnownParameters.All.Where(name => !name.Equals("Include", StringComparison.OrdinalIgnoreCase)))
        {
            var config = ConfigFileParser.Parse($"{name} x", "t.conf");
            Assert.Equal("x", config.GetString(name));
        }
    }
}
