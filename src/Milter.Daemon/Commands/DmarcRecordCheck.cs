using System.Globalization;
using Milter.Dkim.TagLists;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Commands;

/// <summary>
/// What <c>dkim-milter testkey</c> says about a domain's DMARC record (RFC 7489), for information: the TXT record
/// at <c>_dmarc.DOMAIN</c> that starts with <c>v=DMARC1</c>: present, only one (§6.6.3: otherwise none applies),
/// parses as a tag list with v=DMARC1 first and p= none, quarantine or reject; the policy is reported with the
/// tags that change it (sp=, pct=, adkim=, aspf=).
/// </summary>
internal static class DmarcRecordCheck
{
    public static IReadOnlyList<TestkeyFinding> Describe(string domain, KeyLookupResult lookup) => [Check(domain, lookup).Line];

    /// <summary>The report's line about the domain's DMARC record, and whether it is there and parses (for doctor).</summary>
    public static (DomainRecordStatus Status, TestkeyFinding Line) Check(string domain, KeyLookupResult lookup)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(lookup);
        string name = $"_dmarc.{domain}";
        TestkeyFinding Line(string text) => new(name, FindingKind.Information, "DMARC: " + text);

        if (lookup.Status == KeyLookupStatus.TemporaryFailure)
        {
            return (DomainRecordStatus.Unknown, Line($"not known: DNS error ({lookup.Error})"));
        }

        // RFC 7489 §6.6.3: records that do not start with "v=DMARC1" are discarded.
        var dmarc = lookup.Records.Where(r => r.StartsWith("v=DMARC1", StringComparison.Ordinal)).ToList();
        if (dmarc.Count == 0)
        {
            string why = lookup.Status == KeyLookupStatus.NotFound ? lookup.Error ?? "no TXT record" : "no TXT record there starts with v=DMARC1";
            return (DomainRecordStatus.Missing, Line($"none ({why}); receivers fall back to the organizational domain's record, if any"));
        }

        if (dmarc.Count > 1)
        {
            return (DomainRecordStatus.Invalid, Line($"{dmarc.Count.ToString(CultureInfo.InvariantCulture)} records start with v=DMARC1: receivers apply none of them (RFC 7489 §6.6.3); keep one"));
        }

        var (parses, text) = Evaluate(dmarc[0]);
        return (parses ? DomainRecordStatus.Ok : DomainRecordStatus.Invalid, Line(text));
    }

    private static (bool Parses, string Text) Evaluate(string record)
    {
        if (!TagList.TryParse(record, out var tags, out string? error))
        {
            return (false, $"\"{record}\" does not parse: {error}");
        }

        if (tags.Tags[0].Key != "v" || tags["v"] != "DMARC1")
        {
            return (false, $"\"{record}\" does not parse: the first tag must be v=DMARC1");
        }

        if (tags["p"] is not { } policy)
        {
            return (false, $"\"{record}\" does not parse: no p= tag (the policy: none, quarantine or reject)");
        }

        if (policy is not ("none" or "quarantine" or "reject"))
        {
            return (false, $"\"{record}\" does not parse: p={policy} is not none, quarantine or reject");
        }

        var details = new List<string>();
        if (tags["sp"] is { } subdomains)
        {
            details.Add($"sp={subdomains} for subdomains");
        }

        if (tags["pct"] is { } percent && percent != "100")
        {
            details.Add($"pct={percent}: applied to that share of failing mail");
        }

        if (tags["adkim"] == "s")
        {
            details.Add("adkim=s: DKIM passes DMARC only with d= exactly the From domain");
        }

        if (tags["aspf"] == "s")
        {
            details.Add("aspf=s");
        }

        string meaning = policy switch
        {
            "none" => "monitoring only",
            "quarantine" => "failing mail goes to spam",
            _ => "failing mail is rejected",
        };
        return (true, $"p={policy} ({meaning})" + (details.Count > 0 ? "; " + string.Join("; ", details) : ""));
    }
}
