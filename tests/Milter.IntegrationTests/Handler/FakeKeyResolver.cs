using System.Collections.Concurrent;
using Milter.Dkim.Verification;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// DNS for the handler tests: key records served from a dictionary by <c>selector._domainkey.domain</c>; a name
/// not in it is NXDOMAIN. Every query is recorded, so a test can show that no look-up happened (rsa-sha1).
/// </summary>
internal sealed class FakeKeyResolver : IDkimKeyResolver
{
    private readonly ConcurrentDictionary<string, KeyLookupResult> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<string> _queries = new();

    /// <summary>The names asked for, in order.</summary>
    public IReadOnlyList<string> Queries => _queries.ToArray();

    /// <summary>Publishes TXT records at <paramref name="selector"/>._domainkey.<paramref name="domain"/>.</summary>
    public FakeKeyResolver Publish(string selector, string domain, params string[] records) =>
        Answer(selector, domain, KeyLookupResult.Found(records));

    /// <summary>Makes the look-up of that name fail temporarily (SERVFAIL, timeout).</summary>
    public FakeKeyResolver FailTemporarily(string selector, string domain, string error) =>
        Answer(selector, domain, KeyLookupResult.TemporaryFailure(error));

    public Task<KeyLookupResult> LookupAsync(string selector, string domain, CancellationToken cancellationToken)
    {
        string name = Name(selector, domain);
        _queries.Enqueue(name);
        return Task.FromResult(_answers.TryGetValue(name, out var answer) ? answer : KeyLookupResult.NotFound("NXDOMAIN"));
    }

    private FakeKeyResolver Answer(string selector, string domain, KeyLookupResult result)
    {
        _answers[Name(selector, domain)] = result;
        return this;
    }

    private static string Name(string selector, string domain) => $"{selector}._domainkey.{domain}";
}
