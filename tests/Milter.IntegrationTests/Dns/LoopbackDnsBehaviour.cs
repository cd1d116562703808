namespace Milter.IntegrationTests.Dns;

/// <summary>How <see cref="LoopbackDnsServer"/> answers queries for one name.</summary>
public enum LoopbackDnsBehaviour
{
    /// <summary>NOERROR with the name's TXT records.</summary>
    Answer,
    /// <summary>NOERROR with a CNAME to another name, followed by that name's TXT records if it has some.</summary>
    Cname,
    /// <summary>NXDOMAIN with an SOA in the authority section.</summary>
    NxDomain,
    /// <summary>NOERROR without answers, with an SOA in the authority section.</summary>
    NoData,
    /// <summary>SERVFAIL.</summary>
    ServFail,
    /// <summary>REFUSED.</summary>
    Refused,
    /// <summary>The query is read and never answered (a dead or firewalled server).</summary>
    NoAnswer,
}
