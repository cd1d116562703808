using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Dns;

/// <summary>
/// Turns one server's response to a key query into a key look-up result and the time it may be reused, or into
/// a failure description when the server's answer says nothing about the key (SERVFAIL, REFUSED, ...), in which
/// case another server may be asked.
/// </summary>
internal static class DnsAnswerReader
{
    /// <summary>Longest a found key is reused: key rotations should be seen within a day whatever the TTL says.</summary>
    public static readonly TimeSpan MaxFoundTtl = TimeSpan.FromDays(1);

    /// <summary>Longest a missing key is remembered: a key published after a first failed look-up should work soon.</summary>
    public static readonly TimeSpan MaxNotFoundTtl = TimeSpan.FromHours(1);

    /// <summary>How long a missing key is remembered when the response carries no SOA to say.</summary>
    public static readonly TimeSpan DefaultNotFoundTtl = TimeSpan.FromSeconds(60);

    /// <summary>Reads <paramref name="response"/> from <paramref name="server"/>, the answer to a query for <paramref name="name"/>.</summary>
    public static AttemptOutcome Read(IDnsQueryResponse response, IPEndPoint server, string name)
    {
        // DnsClient matches a response to its query by ID only. A response about another name (a forgery that
        // guessed the ID, or a confused server) says nothing about ours and is never taken for it.
        if (response.Questions.Count != 1 || !SameName(response.Questions[0].QueryName.Value, name))
        {
            return AttemptOutcome.Failed($"response for another name from {server}");
        }

        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError:
                var texts = OwnedBy(response, name);
                if (texts.Count == 0)
                {
                    return AttemptOutcome.Answered(new CacheableAnswer(KeyLookupResult.NotFound("no TXT record"), NotFoundTtl(response)));
                }

                // A record's strings are one value split for the wire (RFC 6376 3.6.2.2), so they are joined with
                // nothing between; separate records stay separate so a key is never spliced from two records.
                var records = texts.Select(t => string.Concat(t.Text)).ToArray();
                return AttemptOutcome.Answered(new CacheableAnswer(KeyLookupResult.Found(records), FoundTtl(response)));

            case DnsHeaderResponseCode.NotExistentDomain:
                return AttemptOutcome.Answered(new CacheableAnswer(KeyLookupResult.NotFound("NXDOMAIN"), NotFoundTtl(response)));

            default:
                return AttemptOutcome.Failed($"{CodeName(response.Header.ResponseCode)} from {server}");
        }
    }

    // The TXT records at the name asked, or at the end of its CNAME chain: records owned by any other name in the
    // answer section are not ours, whatever a server put there.
    private static List<TxtRecord> OwnedBy(IDnsQueryResponse response, string name)
    {
        var owner = name;
        var cnames = response.Answers.CnameRecords().ToList();
        for (int hops = 0; hops < cnames.Count; hops++)
        {
            var next = cnames.FirstOrDefault(cname => SameName(cname.DomainName.Value, owner));
            if (next is null)
            {
                break;
            }

            owner = next.CanonicalName.Value;
        }

        return [.. response.Answers.TxtRecords().Where(record => SameName(record.DomainName.Value, owner))];
    }

    private static bool SameName(string a, string b) =>
        string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    // Every answer record (CNAMEs of a chain included) must still be valid for the key to be.
    private static TimeSpan FoundTtl(IDnsQueryResponse response)
    {
        var seconds = response.Answers.Min(r => Math.Max(0, r.InitialTimeToLive));
        return Cap(TimeSpan.FromSeconds(seconds), MaxFoundTtl);
    }

    // RFC 2308 section 5: a negative answer lives for the smaller of the SOA's own TTL and its MINIMUM field.
    private static TimeSpan NotFoundTtl(IDnsQueryResponse response)
    {
        var soa = response.Authorities.SoaRecords().FirstOrDefault();
        if (soa is null)
        {
            return DefaultNotFoundTtl;
        }

        var seconds = Math.Min((long)Math.Max(0, soa.InitialTimeToLive), soa.Minimum);
        return Cap(TimeSpan.FromSeconds(seconds), MaxNotFoundTtl);
    }

    private static TimeSpan Cap(TimeSpan ttl, TimeSpan max) => ttl > max ? max : ttl;

    // The names dig prints, which are what administrators search for.
    private static string CodeName(DnsHeaderResponseCode code) => code switch
    {
        DnsHeaderResponseCode.FormatError => "FORMERR",
        DnsHeaderResponseCode.ServerFailure => "SERVFAIL",
        DnsHeaderResponseCode.NotImplemented => "NOTIMP",
        DnsHeaderResponseCode.Refused => "REFUSED",
        _ => $"response code {(int)code}",
    };
}
