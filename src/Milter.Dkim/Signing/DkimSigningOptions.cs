using Milter.Dkim.Canonicalization;

namespace Milter.Dkim.Signing;

/// <summary>How to sign: the tags of the signature and which headers it covers.</summary>
public sealed record DkimSigningOptions
{
    /// <summary>d=: the signing domain.</summary>
    public required string Domain { get; init; }

    /// <summary>s=: the selector (the key is published at <c>s._domainkey.d</c>).</summary>
    public required string Selector { get; init; }

    /// <summary>c=. OpenDKIM's default is simple/simple (Debian's packaged configuration sets relaxed/simple).</summary>
    public Canonicalizations Canonicalization { get; init; } = Canonicalizations.Default;

    /// <summary>
    /// Header names eligible for signing (OpenDKIM's SignHeaders); null means OpenDKIM's default list. Only
    /// those present are signed, in message order; From is always signed.
    /// </summary>
    public IReadOnlyCollection<string>? SignedHeaders { get; init; }

    /// <summary>Header names never signed (OpenDKIM's OmitHeaders); by default Return-Path, Received, Comments,
    /// Keywords, and DKIM-Signature itself.</summary>
    public IReadOnlyCollection<string> OmittedHeaders { get; init; } = DefaultSignedHeaders.Omitted;

    /// <summary>Names signed once more than present (OpenDKIM's OversignHeaders), so that an added instance breaks
    /// the signature.</summary>
    public IReadOnlyCollection<string> OversignedHeaders { get; init; } = [];

    /// <summary>i=: the agent or user identity, e.g. "user@example.com" or "@example.com"; null omits the tag.</summary>
    public string? Identity { get; init; }

    /// <summary>t=: include the signing time.</summary>
    public bool IncludeTimestamp { get; init; } = true;

    /// <summary>x=: expire the signature this long after signing (OpenDKIM's SignatureTTL); null omits x=.</summary>
    public TimeSpan? SignatureLifetime { get; init; }

    /// <summary>l=: sign only this many canonical body bytes (OpenDKIM's MaximumSignedBytes) and say so.</summary>
    public long? MaximumSignedBytes { get; init; }

    /// <summary>l=: state the body length even when the whole body is signed.</summary>
    public bool IncludeBodyLength { get; init; }

    /// <summary>The clock for t= and x=.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
