using Milter.Configuration.Checks;
using Milter.Configuration.Options;

namespace Milter.Configuration.Tests.Options;

public sealed class OptionValidatorTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void An_option_that_could_change_signing_is_an_error_with_the_reason()
    {
        var finding = Assert.Single(Validate("# seed\nSocket inet:8891@localhost\nStrictHeaders yes\n"));

        Assert.True(finding.IsError);
        Assert.Equal("t.conf: configuration error at line 3: 'StrictHeaders' is not supported yet (mail breaking RFC 5322 header counts would be verified instead of refused)", finding.ToString());
    }

    [Fact]
    public void An_option_that_cannot_is_a_warning()
    {
        var finding = Assert.Single(Validate("Statistics /var/lib/opendkim/stats.dat\n"));

        Assert.False(finding.IsError);
        Assert.Equal("t.conf: warning at line 1: 'Statistics' is not supported yet (ignored: statistics only)", finding.ToString());
    }

    [Fact]
    public void Implemented_options_with_good_values_give_no_findings()
    {
        // Include is read by the parser and never reaches the validator.
        string text = string.Join('\n', ImplementedOptions.Names.Where(name => !name.Equals("Include", StringComparison.OrdinalIgnoreCase))
            .Select(name => $"{name} {GoodValue(OptionTable.Find(name)!.Type)}"));

        Assert.Empty(Validate(text));
    }

    [Fact]
    public void Every_option_not_implemented_is_reported_with_its_severity()
    {
        var options = OptionTable.All.Where(option => !option.IsImplemented && !option.Name.Equals("Include", StringComparison.OrdinalIgnoreCase)).ToList();
        string text = string.Join('\n', options.Select(option => $"{option.Name} {GoodValue(option.Type, on: true)}"));

        var findings = Validate(text);

        Assert.Equal(options.Select((option, index) => (index + 1, option.WhenIgnored == IgnoredOptionSeverity.Error, $"'{option.Name}' is not supported yet")),
            findings.Select(finding => (finding.Line, finding.IsError, finding.Problem)));
    }

    [Theory]
    [InlineData("StrictHeaders no")]
    [InlineData("Diagnostics false")]
    [InlineData("LDAPUseTLS 0")]
    public void Switching_off_a_feature_that_is_off_by_default_needs_no_finding(string line)
    {
        Assert.Empty(Validate(line));
    }

    [Theory]
    [InlineData("BogusKey fail")]
    [InlineData("ClockDrift 300")]
    [InlineData("On-BadSignature accept")]
    public void Other_values_are_reported_even_when_they_restate_the_default(string line)
    {
        // Only an off switch is certain to mean what a build without the feature does; anything else says
        // "do this", and the build cannot promise it does.
        if (!OptionTable.Find(line.Split(' ')[0])!.IsImplemented)
        {
            Assert.Single(Validate(line));
        }
    }

    [Fact]
    public void A_bad_value_is_reported_even_for_an_implemented_option()
    {
        var finding = Assert.Single(Validate("Syslog\tmaybe\n"));

        Assert.Equal(("illegal value", 1), (finding.Problem, finding.Line));
    }

    [Fact]
    public void A_bad_value_of_an_option_not_implemented_gives_both_findings()
    {
        var findings = Validate("StrictHeaders maybe\n");

        Assert.Equal(["illegal value", "'StrictHeaders' is not supported yet"], findings.Select(finding => finding.Problem));
        Assert.All(findings, finding => Assert.True(finding.IsError));
    }

    [Fact]
    public void Findings_come_in_line_order_with_included_files_after_the_main_one()
    {
        string included = _directory.Write("extra.conf", "\n\nStatistics /tmp/stats\n");
        string main = _directory.Write("main.conf", $"StrictHeaders yes\nInclude {included}\nSyslog maybe\n");

        var findings = OptionValidator.Validate(ConfigFileParser.Load(main));

        Assert.Equal([(main, 1), (main, 3), (included, 3)], findings.Select(finding => (finding.File, finding.Line)));
    }

    [Fact]
    public void The_last_setting_of_a_repeated_option_is_the_one_checked()
    {
        var finding = Assert.Single(Validate("Mode x\nMode S\n"), candidate => candidate.Problem == "illegal value");

        Assert.Equal(2, finding.Line);
    }

    private static IReadOnlyList<ConfigDiagnostic> Validate(string text) =>
        OptionValidator.Validate(ConfigFileParser.Parse(text, "t.conf"));

    private static string GoodValue(OptionType type, bool on = false) => type switch
    {
        OptionType.Boolean => on ? "yes" : "no",
        OptionType.Number => "10",
        OptionType.Text => "/etc/opendkim/something",
        OptionType.Dataset => "csl:example.com",
        OptionType.Action => "reject",
        OptionType.Canonicalization => "relaxed/simple",
        OptionType.Mode => "sv",
        OptionType.UserAndGroup => "opendkim:opendkim",
        OptionType.Rate => "10/1h",
        OptionType.Socket => "inet:8891@localhost",
        OptionType.SignatureAlgorithm => "ed25519-sha256",
        OptionType.KeyAction => "neutral",
        OptionType.AtpsHashAlgorithm => "sha256",
        OptionType.MinimumSigned => "50%",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
