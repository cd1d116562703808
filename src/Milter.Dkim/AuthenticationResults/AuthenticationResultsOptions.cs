namespace Milter.Dkim.AuthenticationResults;

/// <summary>Choices for <see cref="AuthenticationResultsFormatter"/>; the defaults reproduce OpenDKIM 2.11's bytes.</summary>
public sealed record AuthenticationResultsOptions
{
    /// <summary>OpenDKIM's layout with every default.</summary>
    public static AuthenticationResultsOptions Default { get; } = new();

    /// <summary>
    /// End the field with "dkim-atps=neutral", as Debian's OpenDKIM (built with ATPS, RFC 6541) does on every
    /// Authentication-Results field it writes. Consumers ignore it; keep it for byte-identical output.
    /// </summary>
    public bool AddAtpsNeutral { get; init; } = true;

    /// <summary>
    /// Line break used when folding. A message's header needs CRLF (the default); the milter protocol carries
    /// header values with bare LF ("\n"), which is what OpenDKIM sends to the MTA.
    /// </summary>
    public string NewLine { get; init; } = "\r\n";

    /// <summary>The DNSSEC note after the key size; see <see cref="KeyDnssecStatus"/>.</summary>
    public KeyDnssecStatus Dnssec { get; init; } = KeyDnssecStatus.NotReported;
}
