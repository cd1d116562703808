namespace Milter.Dkim.Keys;

/// <summary>
/// Why a key record (TXT at <c>selector._domainkey.domain</c>) cannot be used. The verifier maps each to a
/// result: all are permerror for the signature, but <see cref="NotDkimKeyRecord"/> means "skip this TXT record
/// and try the next one at that name" (RFC 6376 §3.6.2.2: pick the first record that parses).
/// </summary>
public enum KeyRecordError
{
    /// <summary>The record is usable.</summary>
    None,

    /// <summary>
    /// Not a DKIM key record for e-mail: v= other than DKIM1, v= not the first tag, or s= without "email" or
    /// "*". RFC 6376 §3.6.1: such records "MUST be discarded" / are "not to be used"; OpenDKIM's words are
    /// "unknown key version" and "not an e-mail key".
    /// </summary>
    NotDkimKeyRecord,

    /// <summary>Not a tag list (duplicate tag, tag without '='), or no p= tag (OpenDKIM: "key syntax error").</summary>
    SyntaxError,

    /// <summary>An empty p= (RFC 6376 §3.6.1 "An empty value means that this public key has been revoked").</summary>
    Revoked,

    /// <summary>k= names an algorithm we do not implement ("inappropriate key algorithm", RFC 6376 §6.1.2).</summary>
    UnsupportedKeyType,

    /// <summary>p= is not base64, or does not hold a key of the k= type (OpenDKIM: "key data is not valid").</summary>
    InvalidPublicKey,
}
