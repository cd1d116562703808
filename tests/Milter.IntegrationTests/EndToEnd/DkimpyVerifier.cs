using System.Text.Json;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.EndToEnd;

/// <summary>dkimpy's answer for one DKIM-Signature: whether it verified, why not, and the tags as dkimpy parsed them.</summary>
internal sealed record DkimpyVerdict(bool Pass, string? Error, IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// Runs dkimpy_verify.py (beside this file in the checkout) under Debian's /usr/bin/python3: the first python3 on
/// PATH may be another interpreter without the dkim module. One process verifies a whole batch of messages.
/// </summary>
internal static class DkimpyVerifier
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // The script writes "pass", "error", "tags".
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private static string ScriptPath { get; } =
        Path.Combine(RepositoryRoot.Path, "tests", "Milter.IntegrationTests", "EndToEnd", "dkimpy_verify.py");

    /// <summary>
    /// Verifies every DKIM-Signature of every message (wire form, CRLF) with the public keys of <paramref name="keys"/>
    /// served as the DNS TXT records. The result has one list per message, one verdict per signature, top first.
    /// </summary>
    public static async Task<IReadOnlyList<IReadOnlyList<DkimpyVerdict>>> VerifyAsync(IEnumerable<DkimKey> keys, IReadOnlyList<byte[]> messages)
    {
        if (!File.Exists(Interpreter))
        {
            throw new InvalidOperationException($"{Interpreter} is missing: install Debian's python3-dkim and python3-nacl");
        }

        string request = JsonSerializer.Serialize(new
        {
            keys = keys.ToDictionary(key => key.DnsName, key => key.TxtRecord),
            messages = messages.Select(Convert.ToBase64String).ToList(),
        });
        var result = await ProcessRunner.RunAsync(Interpreter, ["-I", ScriptPath], Timeout, request);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dkimpy failed (is python3-dkim installed for {Interpreter}?): {result}");
        }

        var answer = JsonSerializer.Deserialize<List<List<DkimpyVerdict>>>(result.StandardOutput, Json)
            ?? throw new InvalidOperationException("dkimpy answered null");
        if (answer.Count != messages.Count)
        {
            throw new InvalidOperationException($"dkimpy answered for {answer.Count} message(s), asked about {messages.Count}: {result}");
        }

        return answer;
    }
}
