using Milter.Dkim.Verification;

namespace Milter.Daemon.Dkim;

/// <summary>
/// The dkim= results as OpenDKIM 2.11 reports them (measured against /usr/sbin/opendkim), where the DKIM core,
/// which follows the RFCs, words them differently. Downstream filters (DMARC, spam scoring) and people's log
/// searches were written against OpenDKIM's Authentication-Results, so a drop-in reports what it reported:
/// <list type="bullet">
/// <item>no key at the selector: <c>fail reason="key not found in DNS"</c> (RFC 6376 §6.1.2 would say permerror);</item>
/// <item>empty p=: <c>fail reason="key revoked"</c>;</item>
/// <item>x= in the past: <c>permerror</c>;</item>
/// <item>body hash mismatch: <c>fail reason="signature verification failed"</c> (OpenDKIM does not tell it apart
/// from a header mismatch; our log line says which it was);</item>
/// <item>RSA key under MinimumKeyBits: <c>policy reason="signing key too small"</c>.</item>
/// </list>
/// Kept different on purpose, because OpenDKIM is wrong there: rsa-sha1 is <c>policy</c> (OpenDKIM passes it, RFC
/// 8301 forbids that), a DNS failure is <c>temperror</c> (OpenDKIM adds no result at all), and a malformed
/// signature gets a <c>permerror</c> result (OpenDKIM says nothing).
/// </summary>
internal static class OpenDkimReporting
{
    public static DkimResult Present(DkimResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Failure switch
        {
            DkimFailure.KeyNotFound => result with { Status = DkimResultStatus.Fail, Reason = "key not found in DNS" },
            DkimFailure.BodyHashMismatch => result with { Reason = "signature verification failed" },
            DkimFailure.KeyRevoked => result with { Status = DkimResultStatus.Fail, Reason = "key revoked" },
            DkimFailure.Expired => result with { Status = DkimResultStatus.PermError, Reason = "signature expired" },
            DkimFailure.KeyTooSmall => result with { Reason = "signing key too small" },
            _ => result,
        };
    }
}
