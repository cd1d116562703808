using System.Globalization;
using Milter.Configuration;
using Milter.Daemon.Dns;
using Milter.Daemon.Startup;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Commands;

/// <summary>
/// <c>dkim-milter testkey</c>: opendkim-testkey's job, for RSA and Ed25519 keys, and for every key of a
/// configuration at once. Each key's record is fetched through the daemon's resolver with the configuration's
/// Nameservers and DNSTimeout, parsed by the verifier's parser and compared with the private key as the daemon
/// loads it (<see cref="KeyPublicationCheck"/>); each domain's SPF and DMARC records are described once, for
/// information. One line per finding, prefixed with the key's record name (or the domain), then a summary.
/// </summary>
/// <remarks>
/// Exit status: 0 when every key checked is OK (warnings, notes and the SPF and DMARC lines do not count: they do
/// not stop DKIM signatures from verifying, and a domain may have reasons to publish no SPF or DMARC record);
/// 1 when a key has a problem (record missing, revoked, unparsable, not this key, wrong k=, too small, private
/// key unusable); otherwise 78 when the configuration's tables have mistakes, 75 (EX_TEMPFAIL) when a record
/// could not be fetched (DNS timeout, SERVFAIL); 64 for a bad command line, 69 when no name server is known.
/// </remarks>
internal static class TestkeyCommand
{
    /// <summary>A key has a problem (opendkim-testkey's status for a failed key too).</summary>
    public const int KeyProblem = 1;

    /// <summary>EX_TEMPFAIL (sysexits.h): a record could not be fetched; try again.</summary>
    public const int TemporaryFailure = 75;

    public const string Usage = """
        usage: dkim-milter testkey [-x configfile] [-d DOMAIN -s SELECTOR [-k KEYPATH]] [-v]
          -d DOMAIN     the signing domain of the key to test
          -s SELECTOR   its selector: the record is SELECTOR._domainkey.DOMAIN
          -k KEYPATH    the private key to compare the record with (default: the configuration's key for DOMAIN
                        and SELECTOR; with none, only the record is checked)
          -x FILE       configuration file (default /etc/opendkim.conf if it exists): its Nameservers and
                        DNSTimeout are used; without -d and -s every key of its KeyTable (or KeyFile) is tested
          -v            also show the records fetched and the keys loaded
        Exit status: 0 every key OK, 1 a key has a problem, 78 configuration mistakes, 75 DNS errors, 64 usage.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        TestkeyOptions options;
        try
        {
            options = TestkeyOptions.Parse(args);
        }
        catch (FormatException ex)
        {
            error.WriteLine($"dkim-milter testkey: {ex.Message}");
            error.WriteLine(Usage);
            return ExitCodes.Usage;
        }

        if (options.Help)
        {
            output.WriteLine(Usage);
            return ExitCodes.Success;
        }

        bool verbose = options.Verbosity > 0;
        string? configPath = options.ConfigPath ?? (File.Exists(CommandLine.DefaultConfigPath) ? CommandLine.DefaultConfigPath : null);
        ConfigFile? config = null;
        var dnsSettings = DnsKeyResolverSettings.Default;
        if (configPath is not null)
        {
            try
            {
                config = ConfigFileParser.Load(configPath);
                dnsSettings = DnsKeyResolverSettings.FromConfiguration(config);
            }
            catch (Exception ex) when (ex is ConfigurationException or FormatException or OverflowException)
            {
                error.WriteLine($"dkim-milter testkey: {configPath}: {ex.Message}");
                return ExitCodes.Config;
            }
        }

        TestkeyTargets targets;
        if (options.Domain is { } domain)
        {
            targets = TestkeyTargets.ForRecord(domain, options.Selector!, options.KeyPath, config);
        }
        else if (config is null)
        {
            error.WriteLine($"dkim-milter testkey: nothing to test: give -d DOMAIN -s SELECTOR, or -x with a configuration ({CommandLine.DefaultConfigPath} does not exist)");
            error.WriteLine(Usage);
            return ExitCodes.Usage;
        }
        else
        {
            targets = TestkeyTargets.FromConfiguration(config);
        }

        foreach (var problem in targets.ConfigurationProblems)
        {
            error.WriteLine($"dkim-milter testkey: {problem}");
        }

        if (targets.Keys.Count == 0 && targets.Skipped.Count == 0)
        {
            error.WriteLine($"dkim-milter testkey: {configPath} has no keys to test (neither a KeyTable nor KeyFile with Selector)");
            return ExitCodes.Config;
        }

        DnsKeyResolver resolver;
        try
        {
            resolver = new DnsKeyResolver(dnsSettings, TimeProvider.System);
        }
        catch (InvalidOperationException ex)
        {
            error.WriteLine($"dkim-milter testkey: {ex.Message}");
            return ExitCodes.Unavailable;
        }

        using (resolver)
        using (var txt = new TxtRecordResolver(resolver.Nameservers, dnsSettings.Timeout))
        {
            if (verbose)
            {
                output.WriteLine($"dkim-milter testkey: asking {string.Join(", ", resolver.Nameservers)} (DNSTimeout {dnsSettings.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s){(configPath is null ? "" : $", configuration {configPath}")}");
            }

            var outcomes = await CheckAsync(targets.Keys, resolver, txt);
            foreach (var line in outcomes.Lines.Where(f => verbose || f.Kind != FindingKind.Detail).Concat(targets.Skipped))
            {
                output.WriteLine(line);
            }

            int ok = outcomes.Keys.Count(o => o.Status == KeyCheckStatus.Ok);
            int failed = outcomes.Keys.Count(o => o.Status == KeyCheckStatus.Problem);
            int unknown = outcomes.Keys.Count(o => o.Status == KeyCheckStatus.TemporaryFailure);
            output.WriteLine($"dkim-milter testkey: {Count(outcomes.Keys.Count, "key")} checked: {ok.ToString(CultureInfo.InvariantCulture)} OK, "
                + $"{failed.ToString(CultureInfo.InvariantCulture)} with problems"
                + (unknown > 0 ? $", {unknown.ToString(CultureInfo.InvariantCulture)} not known (DNS errors)" : "")
                + (targets.Skipped.Count > 0 ? $", {targets.Skipped.Count.ToString(CultureInfo.InvariantCulture)} skipped" : ""));

            return failed > 0 ? KeyProblem
                : targets.ConfigurationProblems.Count > 0 ? ExitCodes.Config
                : unknown > 0 ? TemporaryFailure
                : ExitCodes.Success;
        }
    }

    // Every look-up at once (a configuration may have many keys, and a dead server costs DNSTimeout each), the
    // report in order: each domain's keys, then its SPF and DMARC lines, domains in the order they first appear.
    private static async Task<(IReadOnlyList<KeyCheckOutcome> Keys, IReadOnlyList<TestkeyFinding> Lines)> CheckAsync(
        IReadOnlyList<TestkeyTarget> keys, DnsKeyResolver resolver, TxtRecordResolver txt)
    {
        var keyChecks = keys.Select(key => KeyPublicationCheck.RunAsync(key, resolver, CancellationToken.None)).ToList();
        var domains = keys.Select(key => key.Domain).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var domainChecks = domains.ToDictionary(
            domain => domain,
            domain => (Spf: txt.LookupAsync(domain, CancellationToken.None), Dmarc: txt.LookupAsync($"_dmarc.{domain}", CancellationToken.None)),
            StringComparer.OrdinalIgnoreCase);
        var outcomes = await Task.WhenAll(keyChecks);
        var lines = new List<TestkeyFinding>();
        foreach (var domain in domains)
        {
            foreach (var outcome in outcomes.Where(o => string.Equals(o.Target.Domain, domain, StringComparison.OrdinalIgnoreCase)))
            {
                lines.AddRange(outcome.Findings);
            }

            var (spf, dmarc) = domainChecks[domain];
            lines.AddRange(SpfRecordCheck.Describe(domain, await spf));
            lines.AddRange(DmarcRecordCheck.Describe(domain, await dmarc));
        }

        return (outcomes, lines);
    }

    private static string Count(int count, string noun) =>
        $"{count.ToString(CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";
}
