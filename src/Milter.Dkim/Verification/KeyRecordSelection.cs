using Milter.Dkim.Keys;

namespace Milter.Dkim.Verification;

/// <summary>
/// Picks the key for a signature from the TXT records at its selector: the first record that parses as a DKIM
/// key (records are never concatenated; records that are not DKIM keys are skipped), then checks that it fits
/// the signature (k= against a=, h= against the hash, t=s against i=).
/// </summary>
internal static class KeyRecordSelection
{
    public static KeySelection Select(KeyLookupResult lookup, DkimSignature signature)
    {
        if (lookup.Status == KeyLookupStatus.NotFound)
        {
            return KeySelection.Failed(DkimResultStatus.PermError, DkimFailure.KeyNotFound, "no key for signature" + (lookup.Error is null ? "" : $" ({lookup.Error})"));
        }

        KeyRecordParseResult? firstFailure = null;
        KeyRecord? record = null;
        foreach (string text in lookup.Records)
        {
            var parsed = ParsedKeyRecords.Parse(text);
            if (parsed.Success)
            {
                record = parsed.Record;
                break;
            }

            if (firstFailure is null || firstFailure.Error == KeyRecordError.NotDkimKeyRecord)
            {
                firstFailure = parsed;
            }
        }

        if (record is null)
        {
            return firstFailure is null || firstFailure.Error == KeyRecordError.NotDkimKeyRecord
                ? KeySelection.Failed(DkimResultStatus.PermError, DkimFailure.KeyNotFound, "no key for signature" + (firstFailure is null ? "" : $" ({firstFailure.Reason})"))
                : KeySelection.Failed(DkimResultStatus.PermError, firstFailure.Error == KeyRecordError.Revoked ? DkimFailure.KeyRevoked : DkimFailure.KeyUnusable, firstFailure.Reason!);
        }

        if (!record.Accepts(signature.Algorithm, out string? reason))
        {
            return KeySelection.Failed(DkimResultStatus.PermError, DkimFailure.KeyUnusable, reason, record.PublicKey);
        }

        string identityDomain = signature.Identity[(signature.Identity.LastIndexOf('@') + 1)..];
        if (!record.AllowsIdentityDomain(identityDomain, signature.Domain))
        {
            return KeySelection.Failed(DkimResultStatus.PermError, DkimFailure.KeyUnusable, "domain mismatch: the key (t=s) requires the i= domain to be d= exactly", record.PublicKey);
        }

        return new KeySelection(record.PublicKey, DkimResultStatus.Pass, DkimFailure.None, null);
    }
}

/// <summary>The key to verify with, or why there is none (with the status to report).</summary>
internal sealed record KeySelection(DkimPublicKey? PublicKey, DkimResultStatus ErrorStatus, DkimFailure Failure, string? Error)
{
    public static KeySelection Failed(DkimResultStatus status, DkimFailure failure, string reason, DkimPublicKey? key = null) => new(key, status, failure, reason);
}
