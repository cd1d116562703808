using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// One message for dkimpy to sign. <paramref name="Key"/> is a PEM private key for RSA, the base64 32-byte seed for
/// Ed25519; <paramref name="Algorithm"/> is the a= value (rsa-sha256, rsa-sha1, ed25519-sha256).
/// </summary>
internal sealed record SigningJob(
    string Message,
    string Selector,
    string Domain,
    string Algorithm,
    string Key,
    string HeaderCanonicalization,
    string BodyCanonicalization,
    IReadOnlyList<string> Headers);

/// <summary>
/// Signs messages with dkimpy_sign.py (beside this file in the checkout) under Debian's /usr/bin/python3 (the first
/// python3 on PATH may be another interpreter without the dkim module). The inbound tests verify signatures made
/// by a signer that is not ours, so a mistake shared by our signer and verifier cannot make them pass.
/// </summary>
internal static class DkimpySigner
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string ScriptPath { get; } =
        Path.Combine(RepositoryRoot.Path, "tests", "Milter.IntegrationTests", "Inbound", "dkimpy_sign.py");

    /// <summary>
    /// Signs every job (one process for all) and returns each DKIM-Signature field as dkimpy wrote it ("DKIM-Signature:
    /// ..." folded with CRLF, ending in CRLF), plus the raw public key of each Ed25519 seed.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Signatures, IReadOnlyList<string> Ed25519PublicKeys)> SignAsync(
        IReadOnlyList<SigningJob> jobs,
        IReadOnlyList<string> ed25519Seeds)
    {
        if (!File.Exists(Interpreter))
        {
            throw new InvalidOperationException($"{Interpreter} is missing: install Debian's python3-dkim and python3-nacl");
        }

        string request = JsonSerializer.Serialize(new
        {
            jobs = jobs.Select(job => new
            {
                message = Convert.ToBase64String(Encoding.UTF8.GetBytes(job.Message)),
                selector = job.Selector,
                domain = job.Domain,
                algorithm = job.Algorithm,
                key = job.Key,
                header = job.HeaderCanonicalization,
                body = job.BodyCanonicalization,
                headers = job.Headers,
            }),
            ed25519_seeds = ed25519Seeds,
        });
        var result = await ProcessRunner.RunAsync(Interpreter, ["-I", ScriptPath], Timeout, request);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dkimpy could not sign (is python3-dkim installed for {Interpreter}?): {result}");
        }

        var answer = JsonSerializer.Deserialize<SignerAnswer>(result.StandardOutput)
            ?? throw new InvalidOperationException($"dkimpy answered null: {result}");
        if (answer.Signatures.Count != jobs.Count || answer.Ed25519Public.Count != ed25519Seeds.Count)
        {
            throw new InvalidOperationException($"dkimpy answered {answer.Signatures.Count} signature(s) for {jobs.Count} job(s): {result}");
        }

        return (answer.Signatures.Select(signature => Encoding.ASCII.GetString(Convert.FromBase64String(signature))).ToList(), answer.Ed25519Public);
    }

    private sealed record SignerAnswer(
        [property: JsonPropertyName("signatures")] IReadOnlyList<string> Signatures,
        [property: JsonPropertyName("ed25519_public")] IReadOnlyList<string> Ed25519Public);
}
