using Milter.Dkim.TagLists;

namespace Milter.Dkim.Keys;

/// <summary>
/// Parses one DKIM key record, the TXT record's strings already joined without separator (RFC 6376 §3.6.2.2).
/// Every rule of RFC 6376 §3.6.1 and RFC 8463 §4 is applied here, so the verifier only maps the result.
/// </summary>
public static class KeyRecordParser
{
    /// <summary>Parses <paramref name="record"/>.</summary>
    public static KeyRecordParseResult Parse(string record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!TagList.TryParse(record, out var tags, out string? syntaxError))
        {
            // A TXT record that is not a tag list at all (an SPF record, free text) is not ours either; but a
            // duplicate tag in a DKIM-looking record is a broken key record. Both are errors for the signature.
            return KeyRecordParseResult.Failed(KeyRecordError.SyntaxError, $"key record syntax error: {syntaxError}");
        }

        // v= "MUST be the first tag in the record. Records beginning with a 'v=' tag with any other value MUST be
        // discarded."
        if (tags["v"] is { } version)
        {
            if (!string.Equals(tags.Tags[0].Key, "v", StringComparison.Ordinal))
            {
                return KeyRecordParseResult.Failed(KeyRecordError.NotDkimKeyRecord, "v= is not the first tag of the key record");
            }

            if (!string.Equals(version, "DKIM1", StringComparison.Ordinal))
            {
                return KeyRecordParseResult.Failed(KeyRecordError.NotDkimKeyRecord, $"unknown key version v={version}");
            }
        }

        // s= "Service Type ... Verifiers for a given service type MUST ignore this record if the appropriate type
        // is not listed"; "*" matches all types.
        var serviceTypes = tags["s"] is { } services ? SplitColonList(services) : ["*"];
        if (!serviceTypes.Any(type => type is "email" or "*"))
        {
            return KeyRecordParseResult.Failed(KeyRecordError.NotDkimKeyRecord, $"not an e-mail key (s={string.Join(':', serviceTypes)})");
        }

        // p= "REQUIRED"; "An empty value means that this public key has been revoked." Whitespace inside the
        // value is folding and carries no meaning (real records have spaces in p=).
        if (tags["p"] is not { } publicKeyText)
        {
            return KeyRecordParseResult.Failed(KeyRecordError.SyntaxError, "key record has no p= tag");
        }

        string publicKeyBase64 = TagList.RemoveWhitespace(publicKeyText);
        if (publicKeyBase64.Length == 0)
        {
            return KeyRecordParseResult.Failed(KeyRecordError.Revoked, "key revoked (empty p=)");
        }

        // k= "(plain-text; OPTIONAL, default is 'rsa')"; unknown types: "inappropriate key algorithm".
        string keyType = tags["k"] ?? "rsa";
        if (keyType is not ("rsa" or "ed25519"))
        {
            return KeyRecordParseResult.Failed(KeyRecordError.UnsupportedKeyType, $"inappropriate key algorithm (k={keyType})");
        }

        // h= "(plain-text; OPTIONAL, defaults to allowing all algorithms)"; "Unrecognized algorithms MUST be
        // ignored" (they just never match).
        IReadOnlyList<string>? hashes = tags["h"] is { } hashList ? SplitColonList(hashList) : null;

        // t= flags; "Unrecognized flags MUST be ignored".
        IReadOnlyList<string> flags = tags["t"] is { } flagList ? SplitColonList(flagList) : [];

        byte[] keyBytes;
        try
        {
            keyBytes = Convert.FromBase64String(publicKeyBase64);
        }
        catch (FormatException)
        {
            return KeyRecordParseResult.Failed(KeyRecordError.InvalidPublicKey, "p= is not valid base64");
        }

        DkimPublicKey? publicKey;
        string? keyError;
        if (keyType == "rsa")
        {
            publicKey = RsaPublicKey.TryCreate(keyBytes, out var rsa, out keyError) ? rsa : null;
        }
        else
        {
            publicKey = Ed25519PublicKey.TryCreate(keyBytes, out var ed25519, out keyError) ? ed25519 : null;
        }

        if (publicKey is null)
        {
            return KeyRecordParseResult.Failed(KeyRecordError.InvalidPublicKey, keyError!);
        }

        var parsed = new KeyRecord(keyType, hashes, serviceTypes, flags, tags["n"], publicKey);
        return new KeyRecordParseResult(parsed, KeyRecordError.None, null);
    }

    // "h=sha1 : sha256", "s=email:*", "t=y:s": colon lists with optional whitespace around each element.
    private static List<string> SplitColonList(string value) =>
        [.. value.Split(':').Select(item => item.Trim(' ', '\t', '\r', '\n')).Where(item => item.Length > 0)];
}
