using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Configuration.Datasets.PostgreSql;
using Milter.Configuration.Messages;
using Milter.Configuration.Policy;
using Milter.Dkim;
using Milter.Dkim.Keys;
using Milter.Dkim.Verification;

namespace Milter.Daemon.Dkim;

/// <summary>
/// Everything the milter needs to sign or verify, built once from the configuration and shared by every session
/// (each connection gets its own <see cref="DkimMilterHandler"/> over it): the sign-or-verify policy, the loaded
/// keys, the signing, verification and failure settings, and the verifier with its DNS resolver.
/// </summary>
internal sealed class DkimFilter : IDisposable
{
    /// <summary>Keeps the policy's database tables open for as long as this filter lives (a message may still use it after a reload).</summary>
    private readonly IDisposable _databaseTables;

    private DkimFilter(SigningPolicy policy, SigningKeys keys, SigningSettings signing, VerificationSettings verification,
        FailureHandling failures, MessageLimits limits, DkimVerifier verifier, bool logWhy, bool logSuccess, bool logResults, TimeProvider timeProvider)
    {
        Policy = policy;
        _databaseTables = PgsqlRegistry.Hold(policy.DatabaseTables);
        Keys = keys;
        Signing = signing;
        Verification = verification;
        Failures = failures;
        Limits = limits;
        Verifier = verifier;
        LogWhy = logWhy;
        LogSuccess = logSuccess;
        LogResults = logResults;
        TimeProvider = timeProvider;
    }

    public SigningPolicy Policy { get; }

    public SigningKeys Keys { get; }

    public SigningSettings Signing { get; }

    public VerificationSettings Verification { get; }

    public FailureHandling Failures { get; }

    /// <summary>MaximumHeaders.</summary>
    public MessageLimits Limits { get; }

    public DkimVerifier Verifier { get; }

    /// <summary>LogWhy: log why each message was signed, verified or left alone.</summary>
    public bool LogWhy { get; }

    /// <summary>SyslogSuccess: log successful signing and verification too (at Information, else Debug).</summary>
    public bool LogSuccess { get; }

    /// <summary>LogResults: log every signature's result.</summary>
    public bool LogResults { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>
    /// Builds the filter. Problems (unreadable tables) go to <paramref name="diagnostics"/>; the caller refuses to
    /// start when any is an error.
    /// </summary>
    public static DkimFilter Build(ConfigFile config, IDkimKeyResolver resolver, ICollection<ConfigDiagnostic> diagnostics, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(diagnostics);
        timeProvider ??= TimeProvider.System;
        var problems = new List<ConfigurationException>();
        var policy = SigningPolicy.From(config, diagnostics);
        var signing = SigningSettings.From(config, problems);
        var verification = VerificationSettings.From(config, problems);
        foreach (var problem in problems)
        {
            diagnostics.Add(ConfigDiagnostic.From(problem));
        }

        var verifier = new DkimVerifier(resolver, new DkimVerifierOptions
        {
            MaximumSignatures = verification.MaximumSignatures,
            MinimumKeyBits = verification.MinimumKeyBits,
            ClockDrift = verification.ClockDrift,
            TimeProvider = timeProvider,
        });
        var keys = new SigningKeys(policy.AllKeys);
        CheckAlgorithms(config, policy, keys, signing, diagnostics);
        return new DkimFilter(policy, keys, signing, verification, FailureHandling.From(config), MessageLimits.From(config), verifier,
            config.GetBoolean("LogWhy", false), config.GetBoolean("SyslogSuccess", false), config.GetBoolean("LogResults", false), timeProvider);
    }

    /// <summary>
    /// A key signs with its own algorithm (an RSA key rsa-sha256, an Ed25519 key ed25519-sha256), so that one
    /// KeyTable can hold both for dual signing. SignatureAlgorithm therefore only states an expectation: a key of
    /// the other kind is worth a warning (OpenDKIM would fail to sign with it).
    /// </summary>
    private static void CheckAlgorithms(ConfigFile config, SigningPolicy policy, SigningKeys keys, SigningSettings signing, ICollection<ConfigDiagnostic> diagnostics)
    {
        if (config.Find("SignatureAlgorithm") is not { } setting)
        {
            return;
        }

        var warned = new HashSet<DkimPrivateKey>();
        foreach (var entry in policy.AllKeys)
        {
            // Once per key: many entries may share one key file.
            if (keys.Find(entry, out _) is { } key && key.Algorithm != signing.Algorithm && warned.Add(key))
            {
                diagnostics.Add(new ConfigDiagnostic(false, setting.File, setting.Line,
                    $"SignatureAlgorithm is {signing.Algorithm.ToTagValue()} but key '{entry.Name}' ({entry.Source}:{entry.Line}) is {key.Algorithm.KeyType()}",
                    $"it signs {key.Algorithm.ToTagValue()}: a key always signs with its own algorithm"));
            }
        }
    }

    public void Dispose()
    {
        Keys.Dispose();
        _databaseTables.Dispose();
    }
}
