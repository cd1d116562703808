namespace Milter.Dkim.AuthenticationResults;

/// <summary>
/// What OpenDKIM appends to the key-size comment, "(2048-bit key; unprotected)": whether the key record's DNS
/// answer was DNSSEC-validated. It says nothing about file permissions (users mistake it for that).
/// </summary>
public enum KeyDnssecStatus
{
    /// <summary>No annotation: "(2048-bit key)" (OpenDKIM with TestPublicKeys / TestDNSData).</summary>
    NotReported,

    /// <summary>"; unprotected": the answer was not DNSSEC-signed or not validated (OpenDKIM over real DNS without a trust anchor).</summary>
    Unprotected,

    /// <summary>"; secure": the answer was DNSSEC-validated.</summary>
    Secure,
}
