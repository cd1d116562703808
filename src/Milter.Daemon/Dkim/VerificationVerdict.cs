using Milter.Configuration.Messages;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Dkim;

/// <summary>
/// What a verified message's results mean for the message: which On-* setting applies, the SMTP reply used if
/// that setting refuses the message, and the log line. One passing signature makes the message good; otherwise
/// the first signature's result decides. Codes and texts are OpenDKIM's (measured): 550 5.7.0 and 451 4.7.0,
/// but 451 4.7.5 for a key that cannot be retrieved.
/// </summary>
internal sealed record VerificationVerdict(FailureAction Action, string Option, string? Problem, string ReplyText, string TempFailStatus = "4.7.0")
{
    /// <param name="results">The results, one per evaluated signature.</param>
    /// <param name="failures">The On-* settings.</param>
    /// <param name="unsignedIsReported">AlwaysAddARHeader: OpenDKIM 2.11 then reports unsigned mail as dkim=none and
    /// does not apply On-NoSignature (measured through Postfix); a drop-in must not start refusing that mail.</param>
    public static VerificationVerdict From(IReadOnlyList<DkimResult> results, FailureHandling failures, bool unsignedIsReported = false)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(failures);
        if (results.Count == 0)
        {
            return unsignedIsReported
                ? new(FailureAction.Accept, "", null, "")
                : new(failures.NoSignature, "On-NoSignature", "no signature data", "no DKIM signature data");
        }

        if (results.Any(result => result.Status == DkimResultStatus.Pass))
        {
            return new(FailureAction.Accept, "", null, "");
        }

        var first = results[0];
        string where = $"(s={first.Selector ?? "?"}, d={first.Domain ?? "?"})";
        return first.Failure switch
        {
            DkimFailure.KeyQueryFailed =>
                new(failures.DnsError, "On-DNSError", $"key retrieval failed {where}: {first.Reason}", "DKIM key retrieval failed", "4.7.5"),
            DkimFailure.KeyNotFound =>
                new(failures.KeyNotFound, "On-KeyNotFound", $"key retrieval failed {where}: {first.Reason}", "DKIM key retrieval failed", "4.7.5"),
            DkimFailure.KeyRevoked =>
                new(failures.BadSignature, "On-BadSignature", $"key revoked {where}", "bad DKIM signature data"),
            DkimFailure.Syntax =>
                new(failures.BadSignature, "On-BadSignature", $"syntax error: {first.Reason}", "DKIM signature syntax error"),
            DkimFailure.BodyHashMismatch or DkimFailure.SignatureMismatch or DkimFailure.KeyUnusable or DkimFailure.BodyLength =>
                new(failures.BadSignature, "On-BadSignature", $"bad signature data {where}: {first.Reason}", "bad DKIM signature data"),
            // Expired, future, too-small keys and refused algorithms are results for the reader of
            // Authentication-Results (DMARC) to weigh; OpenDKIM applies no On-* setting to them either.
            _ => new(FailureAction.Accept, "", $"signature not acceptable {where}: {first.Reason}", ""),
        };
    }
}
