using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Configuration.Options;
using Milter.Daemon.Dns;

namespace Milter.Daemon.Startup;

/// <summary>
/// Everything that can be wrong with a configuration, found before the first message and reported all at once:
/// each option's value and whether this build acts on it (<see cref="OptionValidator"/>), the tables, key names,
/// key files and their permissions (<see cref="ConfigurationChecks"/>), and the DNS settings. Start-up and
/// <c>-n</c> run exactly this.
/// </summary>
internal static class StartupChecks
{
    public static List<ConfigDiagnostic> Run(ConfigFile config, out DnsKeyResolverSettings dnsSettings)
    {
        ArgumentNullException.ThrowIfNull(config);
        var diagnostics = new List<ConfigDiagnostic>(OptionValidator.Validate(config));
        diagnostics.AddRange(ConfigurationChecks.Run(config));
        dnsSettings = DnsKeyResolverSettings.Default;
        try
        {
            dnsSettings = DnsKeyResolverSettings.FromConfiguration(config);
        }
        catch (Exception ex) when (ex is FormatException or ConfigurationException or OverflowException)
        {
            var entry = config.Find("Nameservers") is { } nameservers && ex.Message.StartsWith("Nameservers", StringComparison.Ordinal)
                ? nameservers
                : config.Find("DNSTimeout") ?? config.Find("Nameservers")!;
            diagnostics.Add(new ConfigDiagnostic(true, entry.File, entry.Line, "illegal value", ex.Message));
        }

        return diagnostics;
    }

    /// <summary>The same finding can come from two checks that read the same table; say it once.</summary>
    public static List<ConfigDiagnostic> Distinct(IEnumerable<ConfigDiagnostic> diagnostics) =>
        diagnostics.DistinctBy(diagnostic => diagnostic.ToString()).ToList();
}
