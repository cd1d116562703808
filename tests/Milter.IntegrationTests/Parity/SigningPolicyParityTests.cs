using System.Text;
using Milter.Configuration.Policy;
using Xunit.Abstractions;

namespace Milter.IntegrationTests.Parity;

/// <summary>
/// Parity with the real OpenDKIM: for every case of <see cref="ParityTable"/>, the sign-or-verify decision that
/// <c>dkim-milter explain</c> prints (<see cref="SigningPolicy.Decide"/>, built from the same opendkim.conf) is
/// what Debian's opendkim does with the same message from the same client with the same macros.
/// </summary>
public sealed class SigningPolicyParityTests(OpenDkimParityFixture fixture, ITestOutputHelper output) : IClassFixture<OpenDkimParityFixture>
{
    public static TheoryData<string> Cases => ParityTable.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Explain_decides_what_OpenDKIM_does(string name)
    {
        var parityCase = ParityTable.Case(name);
        var openDkim = fixture.OpenDkimOutcome(parityCase);
        var ours = fixture.OurDecision(parityCase);

        Assert.True(openDkim.Action is not null, Describe(parityCase, openDkim, ours, "OpenDKIM did not sign, verify or accept"));
        Assert.True(openDkim.Action == ours.Action, Describe(parityCase, openDkim, ours, "explain disagrees with OpenDKIM"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Explain_signs_with_the_keys_OpenDKIM_signs_with(string name)
    {
        var parityCase = ParityTable.Case(name);
        var openDkim = fixture.OpenDkimOutcome(parityCase);
        var ours = fixture.OurDecision(parityCase);
        if (openDkim.Action != PolicyAction.Sign || ours.Action != PolicyAction.Sign)
        {
            // Not signed by both: Explain_decides_what_OpenDKIM_does covers it.
            return;
        }

        Assert.True(openDkim.Signatures.SequenceEqual(Comparable(parityCase, ours)), Describe(parityCase, openDkim, ours, "explain signs with other keys (d=, s=) than OpenDKIM"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OpenDKIM_does_what_the_table_records(string name)
    {
        // The table documents OpenDKIM's behaviour; if this fails, the installed opendkim differs from the one the
        // table was written against (or the harness broke), not our policy.
        var parityCase = ParityTable.Case(name);
        var openDkim = fixture.OpenDkimOutcome(parityCase);

        Assert.True(openDkim.Action == parityCase.OpenDkim,
            $"{parityCase}\n  recorded: {parityCase.OpenDkim.ToString().ToLowerInvariant()}\n  OpenDKIM now: {openDkim} - {openDkim.Detail}\n{fixture.OpenDkim[parityCase.Config].Log}");
    }

    [Fact]
    public void Our_side_reads_every_parity_configuration_without_errors()
    {
        foreach (var (config, diagnostics) in fixture.Diagnostics)
        {
            Assert.True(!diagnostics.Any(d => d.IsError), $"{config}: {string.Join("; ", diagnostics)}\n{File.ReadAllText(fixture.OpenDkim[config].ConfigPath)}");
        }
    }

    [Fact]
    public void AlwaysAddARHeader_only_makes_verification_visible()
    {
        // The same cases with AlwaysAddARHeader no: what signs still signs with the same keys, and what verifies
        // (unsigned mail, so dkim=none) now leaves no trace at all - the option changes no decision.
        var run = fixture.WithoutArHeader;
        foreach (var parityCase in ParityTable.Cases.Where(c => c.Config == OpenDkimParityFixture.WithoutArHeaderConfig))
        {
            var with = fixture.OpenDkimOutcome(parityCase);
            var without = run.Outcomes[parityCase.Name];
            var expected = with.Action == PolicyAction.Sign ? with : with with { Action = PolicyAction.Nothing };
            Assert.True(expected.Action == without.Action && expected.Signatures.SequenceEqual(without.Signatures),
                $"{parityCase}\n  with AlwaysAddARHeader: {with} - {with.Detail}\n  without: {without} - {without.Detail}\n{run.Log}");
        }
    }

    [Fact]
    public void The_table_has_at_least_30_cases_over_several_configurations()
    {
        var cases = ParityTable.Cases;
        Assert.True(cases.Count >= 30, $"{cases.Count} cases");
        Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(cases, c => Assert.Contains(ParityTable.Configs, config => config.Name == c.Config));
        Assert.All(ParityTable.Configs, config => Assert.Contains(cases, c => c.Config == config.Name));

        // The whole table, for the record (dotnet test --logger "console;verbosity=detailed").
        var table = new StringBuilder("config | case | client | OpenDKIM | explain\n");
        foreach (var parityCase in cases)
        {
            var openDkim = fixture.OpenDkimOutcome(parityCase);
            var ours = fixture.OurDecision(parityCase);
            table.Append(parityCase.Config).Append(" | ").Append(parityCase.Name).Append(" | ")
                .Append(parityCase.ClientHost).Append(" [").Append(parityCase.ClientIp).Append("] | ")
                .Append(openDkim).Append(" | ").Append(Render(ours))
                .Append(openDkim.Action == ours.Action && (ours.Action != PolicyAction.Sign || openDkim.Signatures.SequenceEqual(Comparable(parityCase, ours))) ? "" : "  <-- DIFFERS")
                .Append('\n');
        }

        output.WriteLine(table.ToString());
    }

    /// <summary>
    /// Our signatures as OpenDKIM would make them: where the case is marked with OpenDKIM's MultipleSignatures bug
    /// (only the first and the last matching entry sign), the same two of ours; otherwise all of them.
    /// </summary>
    private static List<string> Comparable(ParityCase parityCase, PolicyDecision decision)
    {
        if (!parityCase.OpenDkimSignsFirstAndLastOnly || decision.Keys.Count <= 2)
        {
            return Signatures(decision);
        }

        var firstAndLast = decision with { Keys = [decision.Keys[0], decision.Keys[^1]] };
        return Signatures(firstAndLast);
    }

    private static List<string> Signatures(PolicyDecision decision) =>
        decision.Keys.Select(key => ParityScript.Signature(key.Domain, key.Key.Selector)).Order(StringComparer.Ordinal).ToList();

    private static string Render(PolicyDecision decision) => decision.Action switch
    {
        PolicyAction.Sign => $"sign ({string.Join(", ", Signatures(decision))})",
        _ => decision.Action.ToString().ToLowerInvariant(),
    };

    private string Describe(ParityCase parityCase, ParityOutcome openDkim, PolicyDecision ours, string problem) =>
        $"""
        {problem}: {parityCase}
          OpenDKIM: {openDkim} - {openDkim.Detail}
          explain:  {Render(ours)} - because: {ours.Explanation}
        {(parityCase.Note.Length == 0 ? "" : $"  note: {parityCase.Note}\n")}  configuration {fixture.OpenDkim[parityCase.Config].ConfigPath}:
        {File.ReadAllText(fixture.OpenDkim[parityCase.Config].ConfigPath)}
        """;
}
