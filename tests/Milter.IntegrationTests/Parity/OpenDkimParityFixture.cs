using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Configuration.Policy;

namespace Milter.IntegrationTests.Parity;

/// <summary>
/// Runs every parity configuration through the real OpenDKIM once (in parallel, one opendkim and one miltertest
/// each) and builds <see cref="SigningPolicy"/> from the very same files, for the parity tests to compare.
/// </summary>
public sealed class OpenDkimParityFixture : IAsyncLifetime
{
    /// <summary>The configuration run a second time without AlwaysAddARHeader.</summary>
    public const string WithoutArHeaderConfig = "refile";

    private readonly string _directory = Directory.CreateTempSubdirectory("milter-parity-").FullName;

    /// <summary>OpenDKIM's runs by configuration name.</summary>
    public Dictionary<string, OpenDkimRun> OpenDkim { get; } = new(StringComparer.Ordinal);

    /// <summary>Our policy, from the file OpenDKIM read, by configuration name.</summary>
    public Dictionary<string, SigningPolicy> Policies { get; } = new(StringComparer.Ordinal);

    /// <summary>What <see cref="SigningPolicy.From"/> reported, by configuration name.</summary>
    public Dictionary<string, List<ConfigDiagnostic>> Diagnostics { get; } = new(StringComparer.Ordinal);

    /// <summary><see cref="WithoutArHeaderConfig"/> run with <c>AlwaysAddARHeader no</c>.</summary>
    public OpenDkimRun WithoutArHeader { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string key = await OpenDkimParityRunner.CreateKeyAsync(_directory);
        var runs = ParityTable.Configs.Select(async config =>
        {
            var cases = ParityTable.Cases.Where(c => c.Config == config.Name).ToList();
            return (config.Name, Run: await OpenDkimParityRunner.RunAsync(config, cases, Path.Combine(_directory, config.Name), key));
        }).ToList();
        var bare = ParityTable.Configs.Single(config => config.Name == WithoutArHeaderConfig);
        var withoutArHeader = OpenDkimParityRunner.RunAsync(bare, ParityTable.Cases.Where(c => c.Config == bare.Name).ToList(),
            Path.Combine(_directory, bare.Name + "-without-AlwaysAddARHeader"), key, alwaysAddArHeader: false);

        foreach (var (name, run) in await Task.WhenAll(runs))
        {
            OpenDkim[name] = run;
            var diagnostics = new List<ConfigDiagnostic>();
            Policies[name] = SigningPolicy.From(ConfigFileParser.Load(run.ConfigPath), diagnostics);
            Diagnostics[name] = diagnostics;
        }

        WithoutArHeader = await withoutArHeader;
    }

    /// <summary>OpenDKIM's outcome for a case.</summary>
    public ParityOutcome OpenDkimOutcome(ParityCase parityCase)
    {
        ArgumentNullException.ThrowIfNull(parityCase);
        return OpenDkim[parityCase.Config].Outcomes[parityCase.Name];
    }

    /// <summary>Our decision for a case, made the way <c>dkim-milter explain</c> makes it.</summary>
    public PolicyDecision OurDecision(ParityCase parityCase)
    {
        ArgumentNullException.ThrowIfNull(parityCase);
        return Policies[parityCase.Config].Decide(parityCase.Facts());
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}
