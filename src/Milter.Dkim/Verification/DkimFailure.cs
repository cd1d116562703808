namespace Milter.Dkim.Verification;

/// <summary>
/// Why a signature did not pass, as a value a program can act on (<see cref="DkimResult.Reason"/> says it in
/// words). A milter maps these to its On-* actions and to the result its users expect to see reported.
/// </summary>
public enum DkimFailure
{
    /// <summary>It passed (or there was no signature).</summary>
    None,
    /// <summary>The DKIM-Signature field is malformed or lacks required tags (RFC 6376 §6.1.1).</summary>
    Syntax,
    /// <summary>x= is in the past.</summary>
    Expired,
    /// <summary>t= is in the future.</summary>
    FutureTimestamp,
    /// <summary>a= is refused by policy (rsa-sha1, RFC 8301).</summary>
    AlgorithmRefused,
    /// <summary>The key look-up failed temporarily (timeout, SERVFAIL).</summary>
    KeyQueryFailed,
    /// <summary>No key record at the selector (NXDOMAIN, no TXT, or no DKIM key among the records).</summary>
    KeyNotFound,
    /// <summary>The key record has an empty p=.</summary>
    KeyRevoked,
    /// <summary>A key record was found but cannot verify this signature (syntax, k=/h= mismatch, t=s, bad p=).</summary>
    KeyUnusable,
    /// <summary>The RSA key is smaller than allowed.</summary>
    KeyTooSmall,
    /// <summary>l= claims more body than there is.</summary>
    BodyLength,
    /// <summary>The body hash does not match bh=.</summary>
    BodyHashMismatch,
    /// <summary>The signature does not verify over the signed headers.</summary>
    SignatureMismatch,
}
