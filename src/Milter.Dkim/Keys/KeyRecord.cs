using System.Diagnostics.CodeAnalysis;

namespace Milter.Dkim.Keys;

/// <summary>
/// A parsed DKIM key record (RFC 6376 §3.6.1, RFC 8463 §4). Produced by <see cref="KeyRecordParser"/>; the
/// public key is decoded at parse time, so a record that parses can verify.
/// </summary>
public sealed class KeyRecord
{
    internal KeyRecord(
        string keyType,
        IReadOnlyList<string>? acceptableHashes,
        IReadOnlyList<string> serviceTypes,
        IReadOnlyList<string> flags,
        string? notes,
        DkimPublicKey publicKey)
    {
        KeyType = keyType;
        AcceptableHashes = acceptableHashes;
        ServiceTypes = serviceTypes;
        Flags = flags;
        Notes = notes;
        PublicKey = publicKey;
    }

    /// <summary>k=: "rsa" (the default) or "ed25519".</summary>
    public string KeyType { get; }

    /// <summary>h=: the hash algorithms the key may be used with ("sha256", ...), or null when absent (any).</summary>
    public IReadOnlyList<string>? AcceptableHashes { get; }

    /// <summary>s=: service types; "*" when absent.</summary>
    public IReadOnlyList<string> ServiceTypes { get; }

    /// <summary>t=: flags as written (unknown ones kept, and ignored).</summary>
    public IReadOnlyList<string> Flags { get; }

    /// <summary>
    /// t=y: "This domain is testing DKIM. Verifiers MUST NOT treat messages from Signers in testing mode
    /// differently from unsigned email" (RFC 6376 §3.6.1). Reported, not acted upon, by OpenDKIM.
    /// </summary>
    public bool IsTesting => Flags.Contains("y", StringComparer.Ordinal);

    /// <summary>
    /// t=s: "the 'i=' domain MUST NOT be a subdomain of 'd='" (RFC 6376 §3.6.1); see
    /// <see cref="AllowsIdentityDomain"/>.
    /// </summary>
    public bool IsStrict => Flags.Contains("s", StringComparer.Ordinal);

    /// <summary>n=: notes for humans.</summary>
    public string? Notes { get; }

    /// <summary>p=, decoded.</summary>
    public DkimPublicKey PublicKey { get; }

    /// <summary>
    /// Whether a signature with <paramref name="algorithm"/> may use this key. RFC 6376 §6.1.2: the verifier must
    /// check that "the hash algorithm ... is one of those listed in the h= tag" and the key type matches the a=
    /// tag, else "return PERMFAIL (inappropriate hash algorithm / key algorithm)".
    /// </summary>
    public bool Accepts(DkimAlgorithm algorithm, [NotNullWhen(false)] out string? reason)
    {
        string keyType = algorithm.KeyType();
        if (!string.Equals(keyType, KeyType, StringComparison.Ordinal))
        {
            reason = $"inappropriate key algorithm (the key is k={KeyType}, the signature a={algorithm.ToTagValue()})";
            return false;
        }

        string hash = algorithm == DkimAlgorithm.RsaSha1 ? "sha1" : "sha256";
        if (AcceptableHashes is { } hashes && !hashes.Contains(hash, StringComparer.OrdinalIgnoreCase))
        {
            reason = $"inappropriate hash algorithm (the key allows h={string.Join(':', hashes)}, the signature uses {hash})";
            return false;
        }

        reason = null;
        return true;
    }

    /// <summary>
    /// With t=s, the domain of i= must be exactly d= (case-insensitively); without it, any i= domain passes here
    /// (the signature parser already requires i= to be d= or a subdomain).
    /// </summary>
    public bool AllowsIdentityDomain(string identityDomain, string signingDomain)
    {
        ArgumentNullException.ThrowIfNull(identityDomain);
        ArgumentNullException.ThrowIfNull(signingDomain);
        return !IsStrict || string.Equals(identityDomain.TrimEnd('.'), signingDomain.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
    }
}
