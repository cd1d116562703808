using Milter.Configuration.Messages;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Dkim;

/// <summary>
/// What a verified message's results mean for the message: which On-* setting applies, the SMTP text used if that
/// setting refuses the message, and the log line. As in OpenDKIM, one passing signature makes the message good;
/// otherwise the first signature's result decides.
/// </summary>
internal sealed record VerificationVerdict(FailureAction Action, string Option, string? Problem, string ReplyText)
{
    public static VerificationVerdict From(IReadOnlyList<DkimResult> results, FailureHandling failures)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(failures);
        if (results.Count == 0)
        {
            return new(failures.NoSignature, "On-NoSignature", "no signature data", "no DKIM signature data");
        }

        if (results.Any(result => result.Status == DkimResultStatus.Pass))
        {
            return new(FailureAction.Accept, "", null, "");
        }

        var first = results[0];
        string where = first.Selector is null || first.Domain is null ? "" : $" (s={first.Selector}, d={first.Domain})";
        return first.Status switch
        {
            DkimResultStatus.TempError => new(failures.DnsError, "On-DNSError", $"key retrieval failed{where}: {first.Reason}", "DKIM key retrieval failed"),
            _ when IsKeyNotFound(first) => new(failures.KeyNotFound, "On-KeyNotFound", $"key retrieval failed{where}: {first.Reason}", "no key for signature"),
            DkimResultStatus.Fail => new(failures.BadSignature, "On-BadSignature", $"bad signature data{where}: {first.Reason}", "bad DKIM signature data"),
            DkimResultStatus.Policy => new(failures.BadSignature, "On-BadSignature", $"signature not acceptable{where}: {first.Reason}", "bad DKIM signature data"),
            _ => new(failures.BadSignature, "On-BadSignature", $"bad signature data{where}: {first.Reason}", "DKIM signature syntax error"),
        };
    }

    private static bool IsKeyNotFound(DkimResult result) =>
        result.Reason is { } reason && (reason.StartsWith("no key for signature", StringComparison.Ordinal) || reason.StartsWith("key revoked", StringComparison.Ordinal));
}
