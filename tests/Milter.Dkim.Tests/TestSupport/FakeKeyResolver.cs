using Milter.Dkim.Verification;

namespace Milter.Dkim.Tests.TestSupport;

/// <summary>Key records from a dictionary ("selector._domainkey.domain" -> TXT records); anything else is NXDOMAIN.</summary>
internal sealed class FakeKeyResolver : IDkimKeyResolver
{
    private readonly Dictionary<string, KeyLookupResult> _records = new(StringComparer.OrdinalIgnoreCase);

    public int Lookups { get; private set; }

    public FakeKeyResolver Add(string selector, string domain, params string[] records)
    {
        _records[$"{selector}._domainkey.{domain}"] = KeyLookupResult.Found(records);
        return this;
    }

    public FakeKeyResolver Fail(string selector, string domain, KeyLookupResult result)
    {
        _records[$"{selector}._domainkey.{domain}"] = result;
        return this;
    }

    public Task<KeyLookupResult> LookupAsync(string selector, string domain, CancellationToken cancellationToken)
    {
        Lookups++;
        return Task.FromResult(_records.GetValueOrDefault($"{selector}._domainkey.{domain}") ?? KeyLookupResult.NotFound("NXDOMAIN"));
    }
}
