namespace Milter.Dkim.Verification;

/// <summary>Fetches key records (TXT at <c>selector._domainkey.domain</c>). DNS lives behind this seam.</summary>
public interface IDkimKeyResolver
{
    /// <summary>Looks up the key records for a selector and domain.</summary>
    Task<KeyLookupResult> LookupAsync(string selector, string domain, CancellationToken cancellationToken);
}

/// <summary>How a key look-up ended.</summary>
public enum KeyLookupStatus
{
    /// <summary>One or more TXT records came back.</summary>
    Found,
    /// <summary>NXDOMAIN or no TXT record: a permanent error for the signature.</summary>
    NotFound,
    /// <summary>Timeout, SERVFAIL and the like: a temporary error.</summary>
    TemporaryFailure,
}

/// <summary>
/// The outcome of a key look-up. Each entry of <see cref="Records"/> is ONE TXT record with its strings already
/// joined without separator; several records are kept apart (never concatenated).
/// </summary>
public sealed record KeyLookupResult(KeyLookupStatus Status, IReadOnlyList<string> Records, string? Error = null)
{
    /// <summary>Records found.</summary>
    public static KeyLookupResult Found(params string[] records) => new(KeyLookupStatus.Found, records);

    /// <summary>No record.</summary>
    public static KeyLookupResult NotFound(string? error = null) => new(KeyLookupStatus.NotFound, [], error);

    /// <summary>A temporary failure.</summary>
    public static KeyLookupResult TemporaryFailure(string error) => new(KeyLookupStatus.TemporaryFailure, [], error);
}
