namespace Milter.Dkim.Verification;

/// <summary>Outcomes of DKIM evaluation, one-to-one with Authentication-Results' dkim= values (RFC 8601).</summary>
public enum DkimResultStatus
{
    /// <summary>The message carries no signature.</summary>
    None,
    /// <summary>The signature verified.</summary>
    Pass,
    /// <summary>An acceptable signature that did not verify (body hash or signature mismatch).</summary>
    Fail,
    /// <summary>The signature could not be processed for reasons not covered elsewhere.</summary>
    Neutral,
    /// <summary>Verified or not, the signature is unacceptable by local policy (key too small, rsa-sha1).</summary>
    Policy,
    /// <summary>A temporary failure, typically the key could not be fetched (DNS timeout, SERVFAIL).</summary>
    TempError,
    /// <summary>A permanent error: malformed signature, no key, revoked key, RFC 6376 §6.1 failures.</summary>
    PermError,
}

/// <summary>
/// The outcome for one signature, with what Authentication-Results reports about it. Fields the signature did
/// not provide (or that could not be parsed) are null.
/// </summary>
/// <param name="Status">The result.</param>
/// <param name="Reason">Why, in plain words, for anything but pass (e.g. "body hash did not verify").</param>
/// <param name="Domain">d=.</param>
/// <param name="Identity">i= (or "@d" when absent).</param>
/// <param name="Selector">s=.</param>
/// <param name="Algorithm">a= as written, e.g. "rsa-sha256".</param>
/// <param name="Signature">b= without whitespace; Authentication-Results shows its first characters.</param>
/// <param name="KeyBits">The size of the key that was used, when one was found.</param>
/// <param name="UnsignedBodyBytes">With l=, how many canonical body bytes follow the signed part (0 otherwise).</param>
/// <param name="Failure">Why it did not pass, as a value (None for pass).</param>
public sealed record DkimResult(
    DkimResultStatus Status,
    string? Reason,
    string? Domain = null,
    string? Identity = null,
    string? Selector = null,
    string? Algorithm = null,
    string? Signature = null,
    int? KeyBits = null,
    long UnsignedBodyBytes = 0,
    DkimFailure Failure = DkimFailure.None);
