using System.Globalization;
using System.Net;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Commands;

/// <summary>
/// What <c>dkim-milter testkey</c> says about a domain's SPF record (RFC 7208), for information: the TXT record at
/// the domain that starts with <c>v=spf1</c>: whether there is one and only one (§4.5: two are a permerror),
/// whether its terms are all known mechanisms and modifiers (§5, §6: an unknown one is a permerror), and how it
/// ends: the <c>all</c> mechanism and its qualifier, a <c>redirect=</c>, or neither (hosts not listed get neutral).
/// </summary>
internal static class SpfRecordCheck
{
    private static readonly HashSet<string> Mechanisms = new(["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"], StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<TestkeyFinding> Describe(string domain, KeyLookupResult lookup) => [Check(domain, lookup).Line];

    /// <summary>The report's line about the domain's SPF record, and whether it is there and parses (for doctor).</summary>
    public static (DomainRecordStatus Status, TestkeyFinding Line) Check(string domain, KeyLookupResult lookup)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(lookup);
        TestkeyFinding Line(string text) => new(domain, FindingKind.Information, "SPF: " + text);

        if (lookup.Status == KeyLookupStatus.TemporaryFailure)
        {
            return (DomainRecordStatus.Unknown, Line($"not known: DNS error ({lookup.Error})"));
        }

        var spf = lookup.Records.Where(IsSpf).ToList();
        if (spf.Count == 0)
        {
            return (DomainRecordStatus.Missing, Line(lookup.Status == KeyLookupStatus.NotFound
                ? $"none ({lookup.Error ?? "no TXT record"} at {domain})"
                : $"none (no TXT record at {domain} starts with v=spf1)"));
        }

        if (spf.Count > 1)
        {
            return (DomainRecordStatus.Invalid, Line($"{spf.Count.ToString(CultureInfo.InvariantCulture)} records start with v=spf1: receivers treat that as a permanent error (RFC 7208 §4.5); merge them into one"));
        }

        var (parses, text) = Evaluate(spf[0]);
        return (parses ? DomainRecordStatus.Ok : DomainRecordStatus.Invalid, Line($"\"{spf[0]}\": {text}"));
    }

    // "v=spf1" followed by a space or nothing (RFC 7208 §4.5), case-insensitively.
    private static bool IsSpf(string record) =>
        record.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (record.Length == 6 || record[6] == ' ');

    private static (bool Parses, string Text) Evaluate(string record)
    {
        var terms = record.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        string? redirect = null;
        int allIndex = -1;
        for (int i = 0; i < terms.Count; i++)
        {
            string term = terms[i];
            int equals = term.IndexOf('=', StringComparison.Ordinal);
            int colon = term.IndexOfAny([':', '/']);
            if (equals > 0 && (colon < 0 || equals < colon))
            {
                // A modifier: name=value; unknown ones are ignored (§6), redirect= matters.
                if (term[..equals].Equals("redirect", StringComparison.OrdinalIgnoreCase))
                {
                    redirect = term[(equals + 1)..];
                }

                continue;
            }

            string mechanism = term.TrimStart('+', '-', '~', '?');
            if (mechanism.Length < term.Length - 1)
            {
                return (false, $"does not parse: '{term}' has more than one qualifier (receivers: permerror, RFC 7208 §4.6)");
            }

            string name = colon > 0 ? term[(term.Length - mechanism.Length)..colon] : mechanism;
            if (!Mechanisms.Contains(name))
            {
                return (false, $"does not parse: unknown mechanism '{term}' (receivers: permerror, RFC 7208 §5)");
            }

            if (name.Equals("ip4", StringComparison.OrdinalIgnoreCase) || name.Equals("ip6", StringComparison.OrdinalIgnoreCase))
            {
                string network = colon > 0 && term[colon] == ':' ? term[(colon + 1)..] : "";
                string address = network.Split('/')[0];
                if (!IPAddress.TryParse(address, out var ip) || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) != name.Equals("ip4", StringComparison.OrdinalIgnoreCase))
                {
                    return (false, $"does not parse: '{term}' is not an {name.ToLowerInvariant()} network (receivers: permerror, RFC 7208 §5.6)");
                }
            }

            if (name.Equals("all", StringComparison.OrdinalIgnoreCase) && allIndex < 0)
            {
                allIndex = i;
            }
        }

        if (allIndex >= 0)
        {
            string all = terms[allIndex];
            string meaning = all[0] switch
            {
                '-' => "fail: mail from hosts not listed is to be rejected",
                '~' => "softfail: mail from hosts not listed is suspect",
                '?' => "neutral: nothing is said about hosts not listed",
                _ => "pass: ANY host may send as this domain, which makes the record useless",
            };
            string after = allIndex < terms.Count - 1 ? "; the terms after it are never used" : "";
            return (true, $"one record, ends in {all} ({meaning}){after}");
        }

        return (true, redirect is not null
            ? $"one record, no 'all' mechanism: redirect={redirect} decides"
            : "one record, but no 'all' mechanism: hosts not listed get neutral (add ~all or -all)");
    }
}
