using System.Text.RegularExpressions;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// What verification leaves in the logs: nothing alarming in Postfix's maillog, and in the daemon's log one verdict
/// line per message in OpenDKIM's words, under Postfix's queue id (docs/measurements/opendkim-2.11-verify-and-sign.md
/// §1: "QID: DKIM verification successful", "QID: bad signature data", "QID: key retrieval failed (s=, d=): ...").
/// </summary>
public sealed partial class InboundLogTests(VerificationFixture fixture) : IClassFixture<VerificationFixture>
{
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(10);

    private const string Successful = "DKIM verification successful";
    private const string BadSignature = "bad signature data";
    private const string KeyRetrievalFailed = "key retrieval failed";

    [Fact]
    public void Postfix_logs_no_milter_problem()
    {
        // Every message was accepted and delivered: the log has been written, and there was something to warn about.
        foreach (string name in fixture.Run.QueueIds.Keys)
        {
            fixture.Run.Delivered(name);
        }

        Assert.NotEmpty(fixture.Run.QueueIds);
        Assert.Empty(fixture.Side.Postfix.ReadMailLogProblems());
    }

    [Fact]
    public async Task Pass_is_logged_as_verification_successful_under_the_queue_id()
    {
        var message = fixture.Corpus[InboundCorpus.ValidRelaxedSimple];
        string id = QueueId(message.Name);

        var lines = await LinesAsync(id, Successful);

        Assert.Equal([$"{id}: {Successful}"], Verdicts(lines));
        // LogResults yes: OpenDKIM's per-signature line.
        Assert.Contains($"{id}: signature={message.HeaderB()} domain=example.net selector=sel2048 result=\"no signature error\"", lines);
    }

    [Fact]
    public async Task Fail_is_logged_as_bad_signature_data_under_the_queue_id()
    {
        string id = QueueId(InboundCorpus.BodyTampered);

        var lines = await LinesAsync(id, BadSignature);

        var verdict = Assert.Single(Verdicts(lines));
        Assert.StartsWith($"{id}: {BadSignature}", verdict, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_key_is_logged_as_key_retrieval_failed_under_the_queue_id()
    {
        string id = QueueId(InboundCorpus.KeyNxDomain);

        var lines = await LinesAsync(id, KeyRetrievalFailed);

        var verdict = Assert.Single(Verdicts(lines));
        Assert.StartsWith($"{id}: {KeyRetrievalFailed} (s=nx, d=example.net)", verdict, StringComparison.Ordinal);
    }

    /// <summary>Each message the daemon verified gets exactly one verdict, whatever the verdict (5 messages, 2 sessions).</summary>
    [Fact]
    public async Task Every_verified_message_gets_one_verdict_line()
    {
        Assert.Equal(5, fixture.Run.QueueIds.Count);
        foreach (var (name, id) in fixture.Run.QueueIds)
        {
            var lines = await LinesAsync(id, Successful, BadSignature, KeyRetrievalFailed);
            Assert.True(Verdicts(lines).Count == 1, $"{name} ({id}) has {Verdicts(lines).Count} verdict lines:\n{string.Join('\n', lines)}");
        }
    }

    private string QueueId(string name) =>
        fixture.Run.QueueIds.TryGetValue(name, out string? id) ? id : throw new Xunit.Sdk.XunitException($"{name} was not accepted by Postfix");

    /// <summary>The verdict lines among <paramref name="lines"/>: success, bad signature, or key retrieval failure.</summary>
    private static List<string> Verdicts(IEnumerable<string> lines) =>
        lines.Where(line => line.EndsWith(": " + Successful, StringComparison.Ordinal)
            || line.Contains(": " + BadSignature, StringComparison.Ordinal)
            || line.Contains(": " + KeyRetrievalFailed, StringComparison.Ordinal)).ToList();

    /// <summary>
    /// The daemon's log lines about queue id <paramref name="id"/> (timestamp and level cut off), once one of them
    /// contains any of <paramref name="awaited"/>: the daemon logs before it answers end of message, but its output
    /// reaches the test through a pipe.
    /// </summary>
    private async Task<IReadOnlyList<string>> LinesAsync(string id, params string[] awaited)
    {
        var deadline = DateTime.UtcNow + LogTimeout;
        while (true)
        {
            var lines = LogLine().Matches(fixture.Side.Daemon.Output)
                .Select(match => match.Groups["text"].Value.TrimEnd('\r'))
                .Where(text => text.StartsWith(id + ": ", StringComparison.Ordinal))
                .ToList();
            if (lines.Any(line => awaited.Any(text => line.Contains(text, StringComparison.Ordinal))) || DateTime.UtcNow >= deadline)
            {
                return lines;
            }

            await Task.Delay(50);
        }
    }

    // Program.cs's console template: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}".
    [GeneratedRegex(@"^\d\d:\d\d:\d\d [A-Z]{3} (?<text>.*)$", RegexOptions.Multiline)]
    private static partial Regex LogLine();
}
