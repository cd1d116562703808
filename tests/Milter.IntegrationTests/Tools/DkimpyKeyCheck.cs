using System.Text.Json;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Tools;

/// <summary>dkimpy's answer: the signature it made (empty when it only verified), and whether it verified.</summary>
internal sealed record DkimpyAnswer(string Signature, bool Verified, string? Error);

/// <summary>
/// Runs dkimpy_sign_and_verify.py (beside this file in the checkout) under Debian's /usr/bin/python3 (the first
/// python3 on PATH is another interpreter without the dkim module), serving one key record for SEL._domainkey.DOMAIN.
/// </summary>
internal static class DkimpyKeyCheck
{
    private const string Interpreter = "/usr/bin/python3";

    private static readonly string ScriptPath =
        Path.Combine(RepositoryRoot.Path, "tests", "Milter.IntegrationTests", "Tools", "dkimpy_sign_and_verify.py");

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>dkimpy signs <paramref name="message"/> with the key file, then verifies that against <paramref name="record"/>.</summary>
    public static Task<DkimpyAnswer> SignAndVerifyAsync(GeneratedKey key, string algorithm, string record, byte[] message) =>
        RunAsync(new Dictionary<string, string>
        {
            ["message"] = Convert.ToBase64String(message),
            ["selector"] = key.Selector,
            ["domain"] = key.Domain,
            ["algorithm"] = algorithm,
            ["private_key_file"] = key.PrivatePath,
            ["record"] = record,
        });

    /// <summary>dkimpy verifies the (first) DKIM-Signature of <paramref name="signedMessage"/> against <paramref name="record"/>.</summary>
    public static Task<DkimpyAnswer> VerifyAsync(byte[] signedMessage, string selector, string domain, string record) =>
        RunAsync(new Dictionary<string, string>
        {
            ["message"] = Convert.ToBase64String(signedMessage),
            ["selector"] = selector,
            ["domain"] = domain,
            ["record"] = record,
        });

    private static async Task<DkimpyAnswer> RunAsync(Dictionary<string, string> request)
    {
        var result = await ProcessRunner.RunAsync(Interpreter, ["-I", ScriptPath], TimeSpan.FromSeconds(60), JsonSerializer.Serialize(request));
        Assert.True(result.ExitCode == 0, $"dkimpy failed (python3-dkim and python3-cryptography for {Interpreter}?): {result}");
        return JsonSerializer.Deserialize<DkimpyAnswer>(result.StandardOutput, Json)
            ?? throw new InvalidOperationException("dkimpy answered null");
    }
}
