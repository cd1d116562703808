using Milter.Configuration.Checks;
using Milter.Configuration.Policy;

namespace Milter.Configuration.Tests;

/// <summary>The settings Debian 12's opendkim package ships in /etc/opendkim.conf (comments left out), laid out as there.</summary>
public class DebianStockConfigTests
{
    private const string Stock = """
        Syslog			yes
        SyslogSuccess		yes
        #LogWhy			no
        Canonicalization	relaxed/simple
        #Mode			sv
        #SubDomains		no
        OversignHeaders		From
        UserID			opendkim
        UMask			007
        #Socket			inet:8891@localhost
        Socket			local:/run/opendkim/opendkim.sock
        PidFile			/run/opendkim/opendkim.pid
        TrustAnchorFile		/usr/share/dns/root.key
        #Nameservers		127.0.0.1
        """;

    [Fact]
    public void Debians_stock_configuration_loads_and_passes_the_checks()
    {
        var config = ConfigFileParser.Parse(Stock, "/etc/opendkim.conf");

        Assert.Equal("local:/run/opendkim/opendkim.sock", config.GetString("Socket"));
        Assert.Equal(7, config.GetInteger("UMask", 0));
        Assert.Equal(SocketKind.Unix, SocketSpec.Parse(config.GetString("Socket")!).Kind);
        Assert.Empty(ConfigurationChecks.Run(config));
        var diagnostics = new List<ConfigDiagnostic>();
        var policy = SigningPolicy.From(config, diagnostics);
        Assert.Empty(diagnostics);
        Assert.Equal(MilterMode.Sign | MilterMode.Verify, policy.Mode);
    }
}
