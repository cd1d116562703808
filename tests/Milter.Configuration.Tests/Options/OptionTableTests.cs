using Milter.Configuration.Options;

namespace Milter.Configuration.Tests.Options;

public class OptionTableTests
{
    [Fact]
    public void Every_known_parameter_has_exactly_one_entry()
    {
        // Lists rather than Assert.DoesNotContain, so that a failure names every missing option at once.
        var missing = KnownParameters.All.Where(name => OptionTable.Find(name) is null).ToList();
        var unknown = OptionTable.All.Where(option => !KnownParameters.All.Contains(option.Name)).Select(option => option.Name).ToList();

        Assert.Empty(missing);
        Assert.Empty(unknown);
        Assert.Equal(OptionTable.All.Count, OptionTable.All.Select(option => option.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void The_table_is_alphabetical_and_spelled_as_OpenDKIM_spells_it()
    {
        Assert.Equal(OptionTable.All.Select(option => option.Name).Order(StringComparer.OrdinalIgnoreCase), OptionTable.All.Select(option => option.Name));
        Assert.All(OptionTable.All, option => Assert.Contains(option.Name, KnownParameters.All.Where(known => known == option.Name)));
    }

    [Fact]
    public void Every_implemented_option_is_in_the_table()
    {
        var missing = ImplementedOptions.Names.Where(name => OptionTable.Find(name) is null).ToList();

        Assert.Empty(missing);
        Assert.All(ImplementedOptions.Names, name => Assert.True(OptionTable.Find(name)!.IsImplemented));
    }

    [Fact]
    public void Every_option_says_why_it_has_its_severity()
    {
        Assert.All(OptionTable.All, option => Assert.False(string.IsNullOrWhiteSpace(option.Why), option.Name));
    }

    // The options table and the "rarely used" list of docs/OPENDKIM-REFERENCE.md (prefixes for the families).
    [Theory]
    [InlineData("AlwaysAddARHeader")]
    [InlineData("AuthservID")]
    [InlineData("AutoRestart")]
    [InlineData("AutoRestartRate")]
    [InlineData("AutoRestartCount")]
    [InlineData("Background")]
    [InlineData("BaseDirectory")]
    [InlineData("Canonicalization")]
    [InlineData("ClockDrift")]
    [InlineData("DNSTimeout")]
    [InlineData("Domain")]
    [InlineData("DontSignMailTo")]
    [InlineData("ExemptDomains")]
    [InlineData("ExternalIgnoreList")]
    [InlineData("FixCRLF")]
    [InlineData("IgnoreMalformedMail")]
    [InlineData("Include")]
    [InlineData("InternalHosts")]
    [InlineData("KeepAuthResults")]
    [InlineData("KeyFile")]
    [InlineData("KeyTable")]
    [InlineData("LogResults")]
    [InlineData("LogWhy")]
    [InlineData("MacroList")]
    [InlineData("MaximumHeaders")]
    [InlineData("MaximumSignaturesToVerify")]
    [InlineData("MaximumSignedBytes")]
    [InlineData("MinimumKeyBits")]
    [InlineData("Mode")]
    [InlineData("MTA")]
    [InlineData("MultipleSignatures")]
    [InlineData("Nameservers")]
    [InlineData("OmitHeaders")]
    [InlineData("On-BadSignature")]
    [InlineData("On-DNSError")]
    [InlineData("On-Default")]
    [InlineData("On-InternalError")]
    [InlineData("On-KeyNotFound")]
    [InlineData("On-NoSignature")]
    [InlineData("On-Security")]
    [InlineData("On-SignatureError")]
    [InlineData("OversignHeaders")]
    [InlineData("PeerList")]
    [InlineData("PidFile")]
    [InlineData("QueryCache")]
    [InlineData("RemoveARAll")]
    [InlineData("RemoveARFrom")]
    [InlineData("RemoveOldSignatures")]
    [InlineData("RequireSafeKeys")]
    [InlineData("Selector")]
    [InlineData("SenderHeaders")]
    [InlineData("SignatureAlgorithm")]
    [InlineData("SignatureTTL")]
    [InlineData("SignHeaders")]
    [InlineData("SigningTable")]
    [InlineData("Socket")]
    [InlineData("SoftwareHeader")]
    [InlineData("SubDomains")]
    [InlineData("Syslog")]
    [InlineData("SyslogSuccess")]
    [InlineData("SyslogFacility")]
    [InlineData("SyslogName")]
    [InlineData("TestPublicKeys")]
    [InlineData("TestDNSData")]
    [InlineData("TrustAnchorFile")]
    [InlineData("UMask")]
    [InlineData("UserID")]
    [InlineData("ATPS*")]
    [InlineData("BodyLengthDB")]
    [InlineData("BogusKey")]
    [InlineData("CaptureUnknownErrors")]
    [InlineData("ChangeRootDirectory")]
    [InlineData("Diagnostic*")]
    [InlineData("DNSConnect")]
    [InlineData("DomainKeysCompat")]
    [InlineData("LDAP*")]
    [InlineData("Minimum")]
    [InlineData("MTACommand")]
    [InlineData("MustBeSigned")]
    [InlineData("Quarantine")]
    [InlineData("RedirectFailuresTo")]
    [InlineData("Report*")]
    [InlineData("ReplaceHeaders")]
    [InlineData("ReplaceRules")]
    [InlineData("RequiredHeaders")]
    [InlineData("ResolverConfiguration")]
    [InlineData("ResolverTracing")]
    [InlineData("FinalPolicyScript")]
    [InlineData("ScreenPolicyScript")]
    [InlineData("SetupPolicyScript")]
    [InlineData("SenderMacro")]
    [InlineData("SoftStart")]
    [InlineData("Statistics*")]
    [InlineData("StrictHeaders")]
    [InlineData("TrustSignaturesFrom")]
    [InlineData("UnprotectedKey")]
    [InlineData("VBR-*")]
    [InlineData("WeakSyntaxChecks")]
    public void Every_option_of_the_reference_is_in_the_table(string name)
    {
        var matches = name.EndsWith('*')
            ? OptionTable.All.Where(option => option.Name.StartsWith(name[..^1], StringComparison.OrdinalIgnoreCase)).ToList()
            : OptionTable.All.Where(option => option.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList();

        Assert.NotEmpty(matches);
    }

    [Theory]
    [InlineData("On-BadSignature", OptionType.Action)]
    [InlineData("On-Default", OptionType.Action)]
    [InlineData("On-DNSError", OptionType.Action)]
    [InlineData("On-InternalError", OptionType.Action)]
    [InlineData("On-KeyNotFound", OptionType.Action)]
    [InlineData("On-NoSignature", OptionType.Action)]
    [InlineData("On-Security", OptionType.Action)]
    [InlineData("On-SignatureError", OptionType.Action)]
    [InlineData("Canonicalization", OptionType.Canonicalization)]
    [InlineData("Mode", OptionType.Mode)]
    [InlineData("UserID", OptionType.UserAndGroup)]
    [InlineData("AutoRestartRate", OptionType.Rate)]
    [InlineData("Socket", OptionType.Socket)]
    [InlineData("SignatureAlgorithm", OptionType.SignatureAlgorithm)]
    [InlineData("BogusKey", OptionType.KeyAction)]
    [InlineData("UnprotectedKey", OptionType.KeyAction)]
    [InlineData("ATPSHashAlgorithm", OptionType.AtpsHashAlgorithm)]
    [InlineData("Minimum", OptionType.MinimumSigned)]
    [InlineData("UMask", OptionType.Number)]
    [InlineData("DNSTimeout", OptionType.Number)]
    [InlineData("RequireSafeKeys", OptionType.Boolean)]
    [InlineData("X-Header", OptionType.Boolean)]
    [InlineData("VBR-PurgeFields", OptionType.Boolean)]
    [InlineData("InternalHosts", OptionType.Dataset)]
    [InlineData("SigningTable", OptionType.Dataset)]
    [InlineData("KeyFile", OptionType.Text)]
    // Documented as integers, but OpenDKIM 2.11 takes any text (opendkim -n accepts "zzz").
    [InlineData("LDAPTimeout", OptionType.Text)]
    [InlineData("LDAPKeepaliveIdle", OptionType.Text)]
    public void Options_have_their_types(string name, OptionType type)
    {
        Assert.Equal(type, OptionTable.Find(name)!.Type);
    }

    // The examples the severity rule was set from: what could change signing or verification is an error.
    [Theory]
    [InlineData("ATPSDomains", IgnoredOptionSeverity.Error)]
    [InlineData("ATPSHashAlgorithm", IgnoredOptionSeverity.Error)]
    [InlineData("BodyLengthDB", IgnoredOptionSeverity.Error)]
    [InlineData("MustBeSigned", IgnoredOptionSeverity.Error)]
    [InlineData("ReplaceHeaders", IgnoredOptionSeverity.Error)]
    [InlineData("ReplaceRules", IgnoredOptionSeverity.Error)]
    [InlineData("RequiredHeaders", IgnoredOptionSeverity.Error)]
    [InlineData("ScreenPolicyScript", IgnoredOptionSeverity.Error)]
    [InlineData("LDAPBindUser", IgnoredOptionSeverity.Error)]
    [InlineData("LDAPUseTLS", IgnoredOptionSeverity.Error)]
    [InlineData("StrictHeaders", IgnoredOptionSeverity.Error)]
    [InlineData("Canonicalization", IgnoredOptionSeverity.Error)]
    [InlineData("On-BadSignature", IgnoredOptionSeverity.Error)]
    [InlineData("Statistics", IgnoredOptionSeverity.Warning)]
    [InlineData("StatisticsName", IgnoredOptionSeverity.Warning)]
    [InlineData("StatisticsPrefix", IgnoredOptionSeverity.Warning)]
    [InlineData("Diagnostics", IgnoredOptionSeverity.Warning)]
    [InlineData("ResolverTracing", IgnoredOptionSeverity.Warning)]
    [InlineData("ReportAddress", IgnoredOptionSeverity.Warning)]
    [InlineData("PidFile", IgnoredOptionSeverity.Warning)]
    public void Severities_follow_the_rule(string name, IgnoredOptionSeverity severity)
    {
        Assert.Equal(severity, OptionTable.Find(name)!.WhenIgnored);
    }

    [Fact]
    public void Look_ups_ignore_case()
    {
        Assert.Same(OptionTable.Find("Canonicalization"), OptionTable.Find("canonicalization"));
        Assert.Null(OptionTable.Find("Canonicalisation"));
    }
}
