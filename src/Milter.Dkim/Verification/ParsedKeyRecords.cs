using System.Collections.Concurrent;
using Milter.Dkim.Keys;

namespace Milter.Dkim.Verification;

/// <summary>
/// Key records parsed once per record text, shared by every verification in the process. Mail comes from few
/// domains, and parsing an RSA record is mostly OpenSSL importing the key (≈ 160 µs, eight times the RSA
/// verification itself), so a hit makes verifying an RSA signature several times cheaper. Keyed by the exact
/// text, a changed DNS record is simply another entry; parsed keys are immutable and safe to share (each
/// verification makes its own OpenSSL context or BouncyCastle verifier). Bounded: when full it starts again
/// empty, which costs one parse per record in use.
/// </summary>
internal static class ParsedKeyRecords
{
    /// <summary>Distinct records kept at most (a few MB at the very most for RSA-4096 keys).</summary>
    internal const int Capacity = 4096;

    private static readonly ConcurrentDictionary<string, KeyRecordParseResult> Parsed = new(StringComparer.Ordinal);

    public static KeyRecordParseResult Parse(string text)
    {
        if (Parsed.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var parsed = KeyRecordParser.Parse(text);
        if (Parsed.Count >= Capacity)
        {
            Parsed.Clear();
        }

        Parsed.TryAdd(text, parsed);
        return parsed;
    }

    /// <summary>Records held now (for tests).</summary>
    internal static int Count => Parsed.Count;
}
