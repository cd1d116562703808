using Milter.Dkim.Verification;

namespace Milter.Daemon.Dns;

/// <summary>
/// The result of one key query and how long it may be reused. A zero <see cref="TimeToLive"/> means "do not
/// keep"; temporary failures are never kept whatever it says.
/// </summary>
internal sealed record CacheableAnswer(KeyLookupResult Result, TimeSpan TimeToLive)
{
    /// <summary>A result that must not be reused.</summary>
    public static CacheableAnswer Uncached(KeyLookupResult result) => new(result, TimeSpan.Zero);
}
