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

    /// <summary>Reads <paramref name="response"/> from <paramref name="server"/>.</summary>
    public static AttemptOutcome Read(IDnsQueryResponse response, IPEndPoint server)
    {
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError:
                var texts = response.Answers.TxtRecords().ToList();
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
