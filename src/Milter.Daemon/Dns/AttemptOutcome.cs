namespace Milter.Daemon.Dns;

/// <summary>What one query to one server settled: an answer to give (and maybe cache), or a failure to report.</summary>
internal readonly record struct AttemptOutcome(CacheableAnswer? Answer, string? Failure)
{
    public static AttemptOutcome Answered(CacheableAnswer answer) => new(answer, null);

    public static AttemptOutcome Failed(string failure) => new(null, failure);
}
