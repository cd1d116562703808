using Milter.Configuration.Datasets;
using Milter.Configuration.Macros;

namespace Milter.Configuration.Tests.Macros;

/// <summary>
/// Expected results were observed on OpenDKIM 2.11 (Debian) with miltertest (MacroList set, macros sent at MAIL,
/// signed = local), except the rows marked as deliberate differences.
/// </summary>
public sealed class MacroListTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("daemon_name=ORIGINATING", "daemon_name=ORIGINATING", true)]
    [InlineData("daemon_name=ORIGINATING", "daemon_name=originating", false)]
    [InlineData("daemon_name=ORIGINATING", "daemon_name=OTHER", false)]
    [InlineData("daemon_name=ORIGINATING", "", false)]
    [InlineData("daemon_name=A|B", "daemon_name=A", true)]
    [InlineData("daemon_name=A|B", "daemon_name=B", true)]
    [InlineData("daemon_name=A|B", "daemon_name=C", false)]
    [InlineData("daemon_name=A|B", "daemon_name=A|B", false)]
    // No values: the macro only has to be set, even to an empty string.
    [InlineData("foo", "foo=PLAIN", true)]
    [InlineData("foo", "foo=", true)]
    [InlineData("foo", "other=x", false)]
    // Any entry will do.
    [InlineData("foo=X,daemon_name=ORIGINATING", "daemon_name=ORIGINATING", true)]
    [InlineData("foo=X,daemon_name=ORIGINATING", "foo=X", true)]
    [InlineData("foo=X,daemon_name=ORIGINATING", "foo=Y;daemon_name=Z", false)]
    // Empty alternatives are dropped ("a|" is "a").
    [InlineData("foo=a|", "foo=", false)]
    [InlineData("foo=a|", "foo=a", true)]
    // Single-letter macros.
    [InlineData("i", "i=Q123", true)]
    // Deliberate difference: OpenDKIM adds braces itself, so a braced name there never matches.
    [InlineData("{daemon_name}=ORIGINATING", "daemon_name=ORIGINATING", true)]
    public void Csl_entries_name_a_macro_and_optionally_its_values(string list, string macros, bool expected)
    {
        var macroList = MacroList.From(DatasetParser.Load(new ConfigEntry("MacroList", "csl:" + list, "t.conf", 4)));

        Assert.Equal(expected, macroList.Matches(Lookup(macros)));
    }

    [Theory]
    [InlineData("daemon_name ORIGINATING|MSA\n", "daemon_name=MSA", true)]
    [InlineData("daemon_name ORIGINATING|MSA\n", "daemon_name=X", false)]
    [InlineData("# local submission\nfoo\n", "foo=x", true)]
    [InlineData("# local submission\nfoo\n", "bar=x", false)]
    // Deliberate difference: OpenDKIM reads the whole "name=value" as a macro name that never exists.
    [InlineData("daemon_name=ORIGINATING\n", "daemon_name=ORIGINATING", true)]
    [InlineData("daemon_name=ORIGINATING\n", "daemon_name=X", false)]
    public void File_lines_hold_a_name_and_optionally_values(string file, string macros, bool expected)
    {
        string path = _directory.Write("macros", file);

        var macroList = MacroList.From(DatasetParser.Load(new ConfigEntry("MacroList", "file:" + path, "t.conf", 4)));

        Assert.Equal(expected, macroList.Matches(Lookup(macros)));
    }

    [Fact]
    public void Macros_are_looked_up_by_their_name_without_braces()
    {
        var asked = new List<string>();
        var macroList = MacroList.From(DatasetParser.Load(new ConfigEntry("MacroList", "csl:{daemon_name}=X,i,auth_authen", "t.conf", 4)));

        Assert.False(macroList.Matches(name => { asked.Add(name); return null; }));
        Assert.Equal(["daemon_name", "i", "auth_authen"], asked);
    }

    [Fact]
    public void The_first_entry_met_is_reported_with_its_place()
    {
        string path = _directory.Write("macros", "foo X\ndaemon_name ORIGINATING\n");
        var macroList = MacroList.From(DatasetParser.Load(new ConfigEntry("MacroList", path, "t.conf", 4)));

        var met = macroList.FirstMatch(Lookup("daemon_name=ORIGINATING"));

        Assert.NotNull(met);
        Assert.Equal(("daemon_name", path, 2), (met.Name, met.Source, met.Line));
        Assert.Equal(["ORIGINATING"], met.Values);
        Assert.Null(macroList.FirstMatch(Lookup("")));
    }

    [Theory]
    [InlineData("{daemon_name=X\n", 1)]
    [InlineData("ok\ndaemon_name=X Y\n", 2)]
    [InlineData("ok\n\n=X\n", 3)]
    [InlineData("{}\n", 1)]
    public void A_bad_entry_is_an_error_at_its_file_and_line(string file, int line)
    {
        string path = _directory.Write("macros", file);

        var error = Assert.Throws<ConfigurationException>(() => MacroList.From(DatasetParser.Load(new ConfigEntry("MacroList", path, "t.conf", 4))));

        Assert.Equal((path, line), (error.File, error.Line));
        Assert.Contains("is not a valid MacroList entry", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_csl_entry_without_a_name_names_the_configuration_line()
    {
        var error = Assert.Throws<ConfigurationException>(() => MacroList.From(DatasetParser.Load(new ConfigEntry("MacroList", "csl:daemon_name=X,=Y", "t.conf", 4))));

        Assert.Equal(("t.conf", 4), (error.File, error.Line));
    }

    // "a=1;b=2" -> a look-up that, like Milter.Protocol's MacroStore, finds a macro with or without braces.
    private static Func<string, string?> Lookup(string macros)
    {
        var values = macros.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.Ordinal);
        return name => values.GetValueOrDefault(name.Trim('{', '}'));
    }
}
