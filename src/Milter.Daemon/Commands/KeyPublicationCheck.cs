using System.Globalization;
using Milter.Configuration.Checks;
using Milter.Dkim;
using Milter.Dkim.Keys;
using Milter.Dkim.TagLists;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Commands;

/// <summary>How the check of one key ended.</summary>
internal enum KeyCheckStatus
{
    /// <summary>The record is published, parses, and is this private key's (or, without one, is usable).</summary>
    Ok,

    /// <summary>Something that makes signatures fail or the key unusable.</summary>
    Problem,

    /// <summary>DNS did not say (timeout, SERVFAIL); nothing else was wrong.</summary>
    TemporaryFailure,
}

/// <summary>The outcome of checking one key: its status and the report's lines for it.</summary>
internal sealed record KeyCheckOutcome(TestkeyTarget Target, KeyCheckStatus Status, IReadOnlyList<TestkeyFinding> Findings);

/// <summary>
/// Checks one key as a verifier will meet it: the TXT record at <c>SEL._domainkey.DOMAIN</c> fetched through the
/// daemon's resolver, parsed by the verifier's own parser (<see cref="KeyRecordParser"/>), and compared with the
/// public half of the private key as the daemon loads it (<see cref="PrivateKeyLoader"/>): same key type (k=), same
/// key. Each thing wrong is one line: record not found, DNS error, a tag that does not parse, revoked, keys do not
/// match, k= mismatch, key too small, h= without sha256; t=y and t=s are noted.
/// </summary>
internal static class KeyPublicationCheck
{
    public static async Task<KeyCheckOutcome> RunAsync(TestkeyTarget target, IDkimKeyResolver resolver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(resolver);
        var findings = new List<TestkeyFinding>();
        bool problem = false;
        void Add(FindingKind kind, string text)
        {
            findings.Add(new TestkeyFinding(target.Subject, kind, text));
            problem |= kind == FindingKind.Problem;
        }

        using var privateKey = LoadPrivateKey(target, Add);
        var lookup = await resolver.LookupAsync(target.Selector, target.Domain, cancellationToken);
        switch (lookup.Status)
        {
            case KeyLookupStatus.TemporaryFailure:
                Add(FindingKind.TemporaryFailure, $"{lookup.Error} (the record could not be fetched; try again, or check Nameservers)");
                return new KeyCheckOutcome(target, problem ? KeyCheckStatus.Problem : KeyCheckStatus.TemporaryFailure, findings);
            case KeyLookupStatus.NotFound:
                Add(FindingKind.Problem, $"record not found ({lookup.Error ?? "no TXT record"} for {target.RecordName}): publish the key's record there");
                return new KeyCheckOutcome(target, KeyCheckStatus.Problem, findings);
        }

        CheckRecords(lookup.Records, privateKey, target, Add);
        if (!problem)
        {
            findings.Insert(0, new TestkeyFinding(target.Subject, FindingKind.Ok, privateKey is null
                ? "record OK (no private key given to compare it with: use -k, or -x with a KeyTable that has the key)"
                : $"key OK ({privateKey.Algorithm.KeyType()}, {privateKey.KeyBits.ToString(CultureInfo.InvariantCulture)} bits)"));
        }

        return new KeyCheckOutcome(target, problem ? KeyCheckStatus.Problem : KeyCheckStatus.Ok, findings);
    }

    private static DkimPrivateKey? LoadPrivateKey(TestkeyTarget target, Action<FindingKind, string> add)
    {
        if (!target.HasPrivateKey)
        {
            return null;
        }

        DkimPrivateKey key;
        try
        {
            key = target.KeyPath is { } path ? PrivateKeyLoader.LoadFile(path) : PrivateKeyLoader.Parse(target.InlineKey!, target.KeyDescription);
        }
        catch (KeyFormatException ex)
        {
            add(FindingKind.Problem, $"private key unusable: {ex.Message}");
            return null;
        }

        add(FindingKind.Detail, $"private key {target.KeyDescription}: {key.Algorithm.KeyType()}, {key.KeyBits.ToString(CultureInfo.InvariantCulture)} bits");
        if (target.KeyPath is { } keyPath)
        {
            foreach (var unsafePath in KeyFileSafety.Check(keyPath))
            {
                add(FindingKind.Warning, $"{unsafePath.Path}: {unsafePath.Problem} (fix: {unsafePath.Fix}; the daemon refuses it with RequireSafeKeys)");
            }
        }

        if (key.Algorithm.KeyType() == "rsa" && key.KeyBits < PrivateKeyLoader.RecommendedRsaBits)
        {
            add(FindingKind.Warning, $"the RSA key is {key.KeyBits.ToString(CultureInfo.InvariantCulture)} bits; RFC 8301 recommends {PrivateKeyLoader.RecommendedRsaBits.ToString(CultureInfo.InvariantCulture)}");
        }

        return key;
    }

    private static void CheckRecords(IReadOnlyList<string> records, DkimPrivateKey? privateKey, TestkeyTarget target, Action<FindingKind, string> add)
    {
        foreach (var text in records)
        {
            add(FindingKind.Detail, $"record: {text}");
        }

        var parsed = records.Select(KeyRecordParser.Parse).ToList();
        if (records.Count > 1)
        {
            add(FindingKind.Warning, $"{records.Count.ToString(CultureInfo.InvariantCulture)} TXT records at {target.RecordName}: verifiers may use any of them (RFC 6376 §3.6.2.2); keep one");
        }

        // As the verifier does: the first record that parses; failing that, report the first that looks like a key
        // record (one that says v=DKIM2 or s=tlsrpt is someone else's), or else the first.
        int chosen = parsed.FindIndex(result => result.Success);
        if (chosen < 0)
        {
            chosen = Math.Max(0, parsed.FindIndex(result => result.Error != KeyRecordError.NotDkimKeyRecord));
            ReportUnusable(records[chosen], parsed[chosen], privateKey, add);
            return;
        }

        var record = parsed[chosen].Record!;
        var published = record.PublicKey;
        if (privateKey is not null)
        {
            string privateType = privateKey.Algorithm.KeyType();
            if (!string.Equals(record.KeyType, privateType, StringComparison.Ordinal))
            {
                add(FindingKind.Problem, $"k= type mismatch: the record is k={record.KeyType}{(Has(records[chosen], "k") ? "" : " (no k= tag: rsa is the default)")}, the private key is {privateType}");
            }
            else if (published.ToRecordValue() != privateKey.PublicKey.ToRecordValue())
            {
                add(FindingKind.Problem, $"keys do not match: the record's p= is not the public half of {target.KeyDescription}"
                    + $" (record: {record.KeyType} {published.KeyBits.ToString(CultureInfo.InvariantCulture)} bits; private key: {privateType} {privateKey.KeyBits.ToString(CultureInfo.InvariantCulture)} bits)");
            }
        }

        if (record.KeyType == "rsa" && published.KeyBits < PrivateKeyLoader.MinimumRsaBits)
        {
            add(FindingKind.Problem, $"key too small: the published key is {published.KeyBits.ToString(CultureInfo.InvariantCulture)} bits; verifiers refuse RSA keys under {PrivateKeyLoader.MinimumRsaBits.ToString(CultureInfo.InvariantCulture)} bits (RFC 8301)");
        }
        else if (record.KeyType == "rsa" && published.KeyBits < PrivateKeyLoader.RecommendedRsaBits && privateKey is null)
        {
            add(FindingKind.Warning, $"the published RSA key is {published.KeyBits.ToString(CultureInfo.InvariantCulture)} bits; RFC 8301 recommends {PrivateKeyLoader.RecommendedRsaBits.ToString(CultureInfo.InvariantCulture)}");
        }

        if (record.AcceptableHashes is { } hashes && !hashes.Contains("sha256", StringComparer.OrdinalIgnoreCase))
        {
            add(FindingKind.Problem, $"h={string.Join(':', hashes)} does not allow sha256, the only hash signatures use now (RFC 8301): verifiers will refuse them");
        }

        if (record.IsTesting)
        {
            add(FindingKind.Note, "t=y: the domain says it is testing DKIM; verifiers may treat its signed mail as unsigned (remove t=y when done)");
        }

        if (record.IsStrict)
        {
            add(FindingKind.Note, "t=s: signatures whose i= is a subdomain of d= are refused");
        }

        if (record.Notes is { } notes)
        {
            add(FindingKind.Detail, $"n={notes}");
        }
    }

    private static void ReportUnusable(string text, KeyRecordParseResult result, DkimPrivateKey? privateKey, Action<FindingKind, string> add)
    {
        if (result.Error == KeyRecordError.Revoked)
        {
            add(FindingKind.Problem, "key revoked: the record's p= is empty (RFC 6376 §3.6.1); publish the key, or remove the key from the KeyTable");
            return;
        }

        // A record whose p= holds the other kind of key than k= says (k= left out for an Ed25519 key is the usual
        // way): say that, rather than "p= is not DER-encoded".
        if (privateKey is not null && result.Error is KeyRecordError.InvalidPublicKey or KeyRecordError.UnsupportedKeyType
            && TagList.TryParse(text, out var tags, out _))
        {
            string privateType = privateKey.Algorithm.KeyType();
            string recordType = tags["k"] ?? "rsa";
            if (!string.Equals(recordType, privateType, StringComparison.Ordinal) && WithKeyType(tags, privateType) is { Success: true } retyped)
            {
                bool same = retyped.Record.PublicKey.ToRecordValue() == privateKey.PublicKey.ToRecordValue();
                add(FindingKind.Problem, $"k= type mismatch: the record is k={recordType}{(tags.Contains("k") ? "" : " (no k= tag: rsa is the default)")} but p= holds an {Display(privateType)} key"
                    + (same ? $", this private key's: write k={privateType}" : $", and not this private key's either"));
                return;
            }
        }

        add(FindingKind.Problem, $"record does not parse: {result.Reason}");
    }

    private static KeyRecordParseResult WithKeyType(TagList tags, string keyType)
    {
        var rewritten = tags.Tags.Where(tag => tag.Key != "k").Select(tag => $"{tag.Key}={tag.Value}").ToList();
        rewritten.Insert(tags.Tags.Count > 0 && tags.Tags[0].Key == "v" ? 1 : 0, $"k={keyType}");
        return KeyRecordParser.Parse(string.Join("; ", rewritten));
    }

    private static string Display(string keyType) => keyType == "rsa" ? "RSA" : "Ed25519";

    private static bool Has(string record, string tag) => TagList.TryParse(record, out var tags, out _) && tags.Contains(tag);
}
