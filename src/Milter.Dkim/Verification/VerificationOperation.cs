using System.Buffers;
using System.Security.Cryptography;
using Milter.Dkim.Canonicalization;
using Milter.Dkim.Keys;

namespace Milter.Dkim.Verification;

/// <summary>
/// Verification of one message: headers as they arrive; at <see cref="EndOfHeaders"/> the signatures are parsed
/// and their key look-ups start, so DNS runs while the body streams in; the body is canonicalized and hashed
/// once per distinct (canonicalization, l=) as it arrives; <see cref="FinishAsync"/> gives one result per
/// evaluated signature, in header order (none: the message is unsigned).
/// </summary>
public sealed class VerificationOperation : IDisposable
{
    private const string SignatureFieldName = "DKIM-Signature";
    private readonly DkimVerifier _verifier;
    private readonly List<HeaderField> _headers = [];
    private readonly List<Candidate> _candidates = [];
    private readonly Dictionary<(CanonicalizationAlgorithm, long?), BodyHasher> _bodyHashers = [];
    private bool _headersEnded;

    internal VerificationOperation(DkimVerifier verifier) => _verifier = verifier;

    /// <summary>Adds the next header field (in message order).</summary>
    public void AddHeader(HeaderField header)
    {
        if (_headersEnded)
        {
            throw new InvalidOperationException("headers were already ended");
        }

        _headers.Add(header);
    }

    /// <summary>Ends the header block: parses signatures and starts their key look-ups.</summary>
    public void EndOfHeaders(CancellationToken cancellationToken = default)
    {
        if (_headersEnded)
        {
            return;
        }

        _headersEnded = true;
        var lookups = new Dictionary<(string, string), Task<KeyLookupResult>>();
        foreach (var field in _headers.Where(IsSignature).Take(_verifier.Options.MaximumSignatures))
        {
            if (!SignatureParser.TryParse(field, out var signature, out string? error))
            {
                _candidates.Add(new Candidate(field, null, error, null, null));
                continue;
            }

            // rsa-sha1 is refused by policy whatever the key says: no body to hash, no need to ask DNS.
            if (signature.Algorithm == DkimAlgorithm.RsaSha1)
            {
                _candidates.Add(new Candidate(field, signature, null, null, null));
                continue;
            }

            var hasherKey = (signature.Canonicalization.Body, signature.BodyLength);
            if (!_bodyHashers.TryGetValue(hasherKey, out var hasher))
            {
                hasher = new BodyHasher(signature.Canonicalization.Body, HashAlgorithmName.SHA256, signature.BodyLength);
                _bodyHashers.Add(hasherKey, hasher);
            }

            var name = (signature.Selector.ToLowerInvariant(), signature.Domain.ToLowerInvariant());
            if (!lookups.TryGetValue(name, out var lookup))
            {
                lookup = _verifier.Resolver.LookupAsync(signature.Selector, signature.Domain, cancellationToken);
                lookups.Add(name, lookup);
            }

            _candidates.Add(new Candidate(field, signature, null, hasher, lookup));
        }
    }

    /// <summary>Feeds body bytes.</summary>
    public void AppendBody(ReadOnlySpan<byte> data)
    {
        EndOfHeaders();
        foreach (var hasher in _bodyHashers.Values)
        {
            hasher.Append(data);
        }
    }

    /// <summary>Feeds body bytes.</summary>
    public void AppendBody(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            AppendBody(segment.Span);
        }
    }

    /// <summary>Evaluates every signature (up to the configured maximum).</summary>
    public async Task<IReadOnlyList<DkimResult>> FinishAsync(CancellationToken cancellationToken = default)
    {
        EndOfHeaders(cancellationToken);
        var results = new List<DkimResult>(_candidates.Count);
        foreach (var candidate in _candidates)
        {
            results.Add(await EvaluateAsync(candidate).ConfigureAwait(false));
        }

        return results;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var hasher in _bodyHashers.Values)
        {
            hasher.Dispose();
        }
    }

    private static bool IsSignature(HeaderField field) => field.Name.Equals(SignatureFieldName, StringComparison.OrdinalIgnoreCase);

    private async Task<DkimResult> EvaluateAsync(Candidate candidate)
    {
        if (candidate.Signature is not { } signature)
        {
            return new DkimResult(DkimResultStatus.PermError, candidate.ParseError, Failure: DkimFailure.Syntax);
        }

        DkimResult Result(DkimResultStatus status, DkimFailure failure, string? reason, int? keyBits = null, long unsigned = 0) =>
            new(status, reason, signature.Domain, signature.Identity, signature.Selector, signature.AlgorithmText, signature.SignatureText, keyBits, unsigned, failure);

        if (signature.Algorithm == DkimAlgorithm.RsaSha1)
        {
            return Result(DkimResultStatus.Policy, DkimFailure.AlgorithmRefused, "rsa-sha1 signatures are not accepted (RFC 8301)");
        }

        var options = _verifier.Options;
        long now = options.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
        long drift = (long)options.ClockDrift.TotalSeconds;
        if (signature.Timestamp is { } timestamp && timestamp > now + drift)
        {
            return Result(DkimResultStatus.PermError, DkimFailure.FutureTimestamp, "signature timestamp in the future");
        }

        if (signature.Expiration is { } expiration && expiration + drift < now)
        {
            return Result(DkimResultStatus.Fail, DkimFailure.Expired, "signature expired");
        }

        var lookup = await candidate.KeyLookup!.ConfigureAwait(false);
        if (lookup.Status == KeyLookupStatus.TemporaryFailure)
        {
            return Result(DkimResultStatus.TempError, DkimFailure.KeyQueryFailed, $"key query failed: {lookup.Error}");
        }

        var key = KeyRecordSelection.Select(lookup, signature);
        if (key.Error is { } keyError)
        {
            return Result(key.ErrorStatus, key.Failure, keyError, key.PublicKey?.KeyBits);
        }

        var publicKey = key.PublicKey!;
        if (publicKey.Algorithm == DkimAlgorithm.RsaSha256 && publicKey.KeyBits < options.MinimumKeyBits)
        {
            return Result(DkimResultStatus.Policy, DkimFailure.KeyTooSmall, $"key too small ({publicKey.KeyBits} bits; at least {options.MinimumKeyBits} required)", publicKey.KeyBits);
        }

        var hasher = candidate.BodyHasher!;
        byte[] bodyHash = hasher.Finish();
        if (signature.BodyLength is { } length && length > hasher.CanonicalLength)
        {
            return Result(DkimResultStatus.PermError, DkimFailure.BodyLength, "l= is longer than the body", publicKey.KeyBits);
        }

        if (!CryptographicOperations.FixedTimeEquals(bodyHash, signature.BodyHash))
        {
            return Result(DkimResultStatus.Fail, DkimFailure.BodyHashMismatch, "body hash did not verify", publicKey.KeyBits);
        }

        var unsignedField = new HeaderField(signature.Field.Name, HeaderHash.WithoutSignatureValue(signature.Field.RawValue.Span));
        byte[] headerHash = HeaderHash.Compute(_headers, signature.SignedHeaders, signature.Canonicalization.Header, unsignedField);
        if (!publicKey.VerifyHash(headerHash, signature.Signature, HashAlgorithmName.SHA256))
        {
            return Result(DkimResultStatus.Fail, DkimFailure.SignatureMismatch, "signature verification failed", publicKey.KeyBits);
        }

        return Result(DkimResultStatus.Pass, DkimFailure.None, null, publicKey.KeyBits, hasher.UnhashedLength);
    }

    private sealed record Candidate(HeaderField Field, DkimSignature? Signature, string? ParseError, BodyHasher? BodyHasher, Task<KeyLookupResult>? KeyLookup);
}
