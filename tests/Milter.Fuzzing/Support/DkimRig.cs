using System.Globalization;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Daemon.Dkim;
using Milter.Dkim.Keys;
using Milter.Dkim.Verification;

namespace Milter.Fuzzing.Support;

/// <summary>
/// The daemon's DKIM filter as start-up builds it (<see cref="DkimFilter.Build"/>), from a configuration written to a
/// private temporary directory (deleted once the filter is built): example.com signs with the repository's sample
/// 2048-bit RSA key (selector mail) for clients in InternalHosts (the loopback default); everything else is verified
/// against an in-memory DNS that publishes that key at mail._domainkey.example.com and example.net, fails
/// temporarily for servfail._domainkey.example.net, and answers NXDOMAIN for the rest.
/// </summary>
public sealed class DkimRig : IDisposable
{
    private readonly CurrentFilter _filters;

    private DkimRig(CurrentFilter filters) => _filters = filters;

    /// <summary>The TXT record publishing the signing key.</summary>
    public static string KeyRecord { get; } = LoadRecord();

    /// <summary>Writes the configuration and builds the filter; fails if start-up would refuse it.</summary>
    public static DkimRig Create()
    {
        string directory = Directory.CreateTempSubdirectory("milter-fuzz-dkim-").FullName;
        try
        {
            string key = Path.Combine(directory, "mail.private");
            File.Copy(SampleKeyPath, key);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(Path.Combine(directory, "KeyTable"), $"mail._domainkey.example.com example.com:mail:{key}\n");
            File.WriteAllText(Path.Combine(directory, "SigningTable"), "*@example.com mail._domainkey.example.com\n");
            string config = string.Create(CultureInfo.InvariantCulture, $"""
                KeyTable refile:{directory}/KeyTable
                SigningTable refile:{directory}/SigningTable
                Canonicalization relaxed/simple
                AlwaysAddARHeader yes
                """);
            var parsed = ConfigFileParser.Parse(config, Path.Combine(directory, "opendkim.conf"));
            var diagnostics = new List<ConfigDiagnostic>();
            var filter = DkimFilter.Build(parsed, new FixedKeyResolver(), diagnostics);
            if (diagnostics.FirstOrDefault(diagnostic => diagnostic.IsError) is { } error)
            {
                filter.Dispose();
                throw new InvalidOperationException($"the fuzzing configuration is refused: {error}");
            }

            return new DkimRig(new CurrentFilter(filter));
        }
        finally
        {
            // The filter holds the tables and the key in memory once built, so the files can go now: under AFL the
            // process is killed, never disposed, and a directory per fuzzing process would pile up.
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A handler for one connection, as the daemon makes one per connection.</summary>
    internal DkimMilterHandler CreateHandler(ProblemLogger log) => new(_filters, log);

    /// <inheritdoc />
    public void Dispose() => _filters.Dispose();

    private static string SampleKeyPath => Path.Combine(AppContext.BaseDirectory, "keys", "mail.private");

    private static string LoadRecord()
    {
        using var key = PrivateKeyLoader.LoadFile(SampleKeyPath);
        return $"v=DKIM1; k=rsa; p={key.PublicKey.ToRecordValue()}";
    }

    private sealed class FixedKeyResolver : IDkimKeyResolver
    {
        public Task<KeyLookupResult> LookupAsync(string selector, string domain, CancellationToken cancellationToken)
        {
            string name = $"{selector}._domainkey.{domain}".ToLowerInvariant();
            return Task.FromResult(name switch
            {
                "mail._domainkey.example.com" or "mail._domainkey.example.net" => KeyLookupResult.Found(KeyRecord),
                "servfail._domainkey.example.net" => KeyLookupResult.TemporaryFailure("SERVFAIL"),
                _ => KeyLookupResult.NotFound("NXDOMAIN"),
            });
        }
    }
}
