using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Daemon.Dns;
using Milter.Dkim;
using Milter.Dkim.Keys;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// Check 7, with testkey's code: every key of the KeyTable (or KeyFile with Selector per Domain) through
/// <see cref="KeyPublicationCheck"/> (record present, parses, is this private key, key size), and per signing
/// domain <see cref="SpfRecordCheck"/> and <see cref="DmarcRecordCheck"/> (missing: warning, unparsable: error),
/// asked of the configuration's Nameservers within its DNSTimeout.
/// </summary>
internal static class KeyDnsChecks
{
    public static async Task RunAsync(ConfigFile config, ICollection<DoctorFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(findings);
        DnsKeyResolverSettings settings;
        try
        {
            settings = DnsKeyResolverSettings.FromConfiguration(config);
        }
        catch (Exception ex) when (ex is ConfigurationException or FormatException or OverflowException)
        {
            findings.Add(DoctorFinding.Error("config", "Nameservers", $"{config.Path}: {ex.Message}"));
            return;
        }

        var targets = TestkeyTargets.FromConfiguration(config);
        foreach (var skipped in targets.Skipped)
        {
            findings.Add(DoctorFinding.Note("keys", skipped.Subject, $"not checked: {skipped.Text}"));
        }

        if (targets.Keys.Count == 0)
        {
            return;
        }

        DnsKeyResolver resolver;
        try
        {
            resolver = new DnsKeyResolver(settings, TimeProvider.System);
        }
        catch (InvalidOperationException ex)
        {
            findings.Add(DoctorFinding.Error("dns", "Nameservers", ex.Message, $"write in {config.Path}: Nameservers 127.0.0.1 (a resolver this host may ask)"));
            return;
        }

        using (resolver)
        using (var txt = new TxtRecordResolver(resolver.Nameservers, settings.Timeout))
        {
            var keyChecks = targets.Keys.Select(key => KeyPublicationCheck.RunAsync(key, resolver, CancellationToken.None)).ToList();
            var domains = targets.Keys.Select(key => key.Domain).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var domainChecks = domains.Select(domain => (Domain: domain, Spf: txt.LookupAsync(domain, CancellationToken.None), Dmarc: txt.LookupAsync($"_dmarc.{domain}", CancellationToken.None))).ToList();
            foreach (var outcome in await Task.WhenAll(keyChecks))
            {
                Report(outcome, findings);
            }

            foreach (var (domain, spfLookup, dmarcLookup) in domainChecks)
            {
                var (spf, spfLine) = SpfRecordCheck.Check(domain, await spfLookup);
                Report(spf, domain, spfLine.Text, $"publish a TXT record at {domain}: \"v=spf1 mx -all\" (list every host that sends as {domain})", findings);
                var (dmarc, dmarcLine) = DmarcRecordCheck.Check(domain, await dmarcLookup);
                Report(dmarc, dmarcLine.Subject, dmarcLine.Text, $"publish a TXT record at _dmarc.{domain}: \"v=DMARC1; p=none; rua=mailto:postmaster@{domain}\" (p=quarantine or reject once reports are clean)", findings);
            }
        }
    }

    private static void Report(DomainRecordStatus status, string subject, string text, string fix, ICollection<DoctorFinding> findings)
    {
        switch (status)
        {
            case DomainRecordStatus.Missing:
                findings.Add(DoctorFinding.Warning("dns", subject, $"{text}", fix));
                break;
            case DomainRecordStatus.Invalid:
                findings.Add(DoctorFinding.Error("dns", subject, $"{text}", "publish one record that parses"));
                break;
            case DomainRecordStatus.Unknown:
                findings.Add(DoctorFinding.Warning("dns", subject, $"{text}", "check Nameservers and DNSTimeout, then run doctor again"));
                break;
            default:
                break;
        }
    }

    private static void Report(KeyCheckOutcome outcome, ICollection<DoctorFinding> findings)
    {
        var target = outcome.Target;
        // The key file's modes are the config checks' (with RequireSafeKeys' severity): not said twice.
        var unsafePaths = target.KeyPath is { } keyPath && File.Exists(keyPath) ? KeyFileSafety.Check(keyPath).Select(f => f.Path + ":").ToList() : [];
        foreach (var finding in outcome.Findings)
        {
            var severity = finding.Kind switch
            {
                FindingKind.Problem => DoctorSeverity.Error,
                FindingKind.Warning or FindingKind.TemporaryFailure => DoctorSeverity.Warning,
                FindingKind.Note or FindingKind.Skipped => DoctorSeverity.Note,
                _ => (DoctorSeverity?)null,
            };
            if (severity is null || (finding.Kind == FindingKind.Warning && unsafePaths.Any(p => finding.Text.StartsWith(p, StringComparison.Ordinal))))
            {
                continue;
            }

            string text = finding.Kind == FindingKind.TemporaryFailure ? $"DNS error: {finding.Text}" : finding.Text;
            string? fix = finding.Kind == FindingKind.TemporaryFailure ? "check Nameservers and DNSTimeout, then run doctor again"
                : severity == DoctorSeverity.Error ? Fix(target, finding.Text)
                : null;
            findings.Add(new DoctorFinding(severity.Value, "keys", finding.Subject, text, fix));
        }
    }

    // The record that matches the private key, to publish in place of what is there.
    private static string? Fix(TestkeyTarget target, string text)
    {
        if (text.StartsWith("private key unusable", StringComparison.Ordinal))
        {
            return $"make a new key: dkim-milter genkey -d {target.Domain} -s {target.Selector}, and name it in the KeyTable";
        }

        if (!target.HasPrivateKey)
        {
            return null;
        }

        try
        {
            using var key = target.KeyPath is { } path ? PrivateKeyLoader.LoadFile(path) : PrivateKeyLoader.Parse(target.InlineKey!, target.KeyDescription);
            string type = key.Algorithm.KeyType();
            if (type == "rsa" && key.KeyBits < PrivateKeyLoader.MinimumRsaBits)
            {
                return $"make a new key: dkim-milter genkey -b 2048 -d {target.Domain} -s NEWSELECTOR, publish it and name it in the KeyTable";
            }

            return $"publish a TXT record at {target.RecordName}: \"v=DKIM1; {(type == "rsa" ? "h=sha256; " : "")}k={type}; p={key.PublicKey.ToRecordValue()}\"";
        }
        catch (KeyFormatException)
        {
            return null;
        }
    }
}
