using System.Diagnostics.CodeAnalysis;

namespace Milter.Dkim.Keys;

/// <summary>The outcome of parsing one key record: the record, or what is wrong with it.</summary>
/// <param name="Record">The record when <paramref name="Error"/> is <see cref="KeyRecordError.None"/>.</param>
/// <param name="Error">What kind of problem, for mapping to a result.</param>
/// <param name="Reason">The problem in plain words (for A-R reason= and logs); null on success.</param>
public sealed record KeyRecordParseResult(KeyRecord? Record, KeyRecordError Error, string? Reason)
{
    /// <summary>True when the record is usable.</summary>
    [MemberNotNullWhen(true, nameof(Record))]
    [MemberNotNullWhen(false, nameof(Reason))]
    public bool Success => Error == KeyRecordError.None;

    internal static KeyRecordParseResult Failed(KeyRecordError error, string reason) => new(null, error, reason);
}
