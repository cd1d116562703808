using System.Collections.Concurrent;
using Milter.IntegrationTests.Dns;
using Milter.IntegrationTests.EndToEnd;
using Milter.IntegrationTests.Inbound;
using Milter.IntegrationTests.Milter;

namespace Milter.IntegrationTests.HeaderShapes;

/// <summary>
/// Sends every <see cref="HeaderShape"/> through a real Postfix at milter_protocol 2 and 6 to our daemon and to the
/// real OpenDKIM, both ways: signing with c=simple/simple (dkimpy verifies what Postfix delivered) and verifying
/// messages dkimpy signed with c=simple/simple (the milter's Authentication-Results says). The eight runs start
/// together and each stops its processes when done; the tests read the outcomes.
/// </summary>
public sealed class HeaderShapeFixture : IAsyncLifetime
{
    public const string AuthservId = "mx.shapes.example";

    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(90);

    private readonly string _directory = Directory.CreateTempSubdirectory("milter-shapes-").FullName;
    private readonly ConcurrentDictionary<(ShapeDirection, ShapeMilter, int), Task<ShapeRun>> _runs = new();
    private LoopbackDnsServer? _dns;
    private DkimKey? _key;
    private IReadOnlyList<string>? _signedByDkimpy;

    internal Task<ShapeRun> RunAsync(ShapeDirection direction, ShapeMilter milter, int milterProtocol) =>
        _runs[(direction, milter, milterProtocol)];

    public async Task InitializeAsync()
    {
        _key = await DkimKey.CopyBundledRsaAsync(_directory);
        File.WriteAllText(Path.Combine(_directory, "KeyTable"), $"{_key.KeyName} {_key.Domain}:{_key.Selector}:{_key.PrivateKeyPath}\n");
        File.WriteAllText(Path.Combine(_directory, "SigningTable"), $"*@{_key.Domain} {_key.KeyName}\n");
        _dns = await LoopbackDnsServer.StartAsync();
        _dns.SetKeyRecord(_key.Selector, _key.Domain, _key.TxtRecord);
        _signedByDkimpy = await SignWithDkimpyAsync(_key);

        foreach (var direction in new[] { ShapeDirection.Sign, ShapeDirection.Verify })
        {
            foreach (var milter in new[] { ShapeMilter.Ours, ShapeMilter.OpenDkim })
            {
                foreach (int protocol in HeaderShapeTests.Protocols)
                {
                    _runs[(direction, milter, protocol)] = Task.Run(() => ExecuteAsync(direction, milter, protocol));
                }
            }
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            // Each run stops its own processes; wait for them so that none outlives the tests.
            foreach (var run in _runs.Values)
            {
                try
                {
                    await run;
                }
                catch (Exception)
                {
                    // Reported by every test that reads this run.
                }
            }
        }
        finally
        {
            if (_dns is not null)
            {
                await _dns.DisposeAsync();
            }

            Directory.Delete(_directory, recursive: true);
        }
    }

    private async Task<ShapeRun> ExecuteAsync(ShapeDirection direction, ShapeMilter milter, int protocol)
    {
        string directory = Path.Combine(_directory, $"{direction}-{milter}-{protocol}".ToLowerInvariant());
        Directory.CreateDirectory(directory);
        await using var side = await ShapeSide.StartAsync(milter, protocol, directory, ConfigurationLines(direction, milter, directory));
        var messages = direction == ShapeDirection.Sign
            ? HeaderShape.All.Select(shape => shape.Message("sign")).ToList()
            : _signedByDkimpy!;
        await side.Postfix.SendSmtpAsync(HeaderShape.Sender, [HeaderShape.Recipient], messages);
        var delivered = (await side.Postfix.WaitForDeliveredAsync(messages.Count, DeliveryTimeout)).Select(bytes => new SignedMessage(bytes)).ToList();
        var outcomes = direction == ShapeDirection.Sign ? await SignedOutcomesAsync(delivered) : VerifiedOutcomes(delivered);
        return new ShapeRun(outcomes, side.MilterOutput, side.Postfix.ReadMailLogProblems());
    }

    private IEnumerable<string> ConfigurationLines(ShapeDirection direction, ShapeMilter milter, string directory)
    {
        if (direction == ShapeDirection.Sign)
        {
            // SignHeaders: the default list leaves out Message-ID, MIME-Version and Content-Type, which carry shapes too.
            return ["Mode s", "Canonicalization simple/simple", $"SignHeaders {string.Join(',', HeaderShape.ShapedFields)}",
                $"KeyTable refile:{_directory}/KeyTable", $"SigningTable refile:{_directory}/SigningTable"];
        }

        // Each milter asks the loopback DNS server its own way: our Nameservers takes a port; OpenDKIM's
        // libunbound needs a forwarder configuration (as in Inbound/OpenDkimSide).
        string dns;
        if (milter == ShapeMilter.Ours)
        {
            dns = $"Nameservers {_dns!.NameserversValue}";
        }
        else
        {
            string unbound = Path.Combine(directory, "unbound.conf");
            File.WriteAllText(unbound, $"server:\n do-not-query-localhost: no\nforward-zone:\n name: \".\"\n forward-addr: 127.0.0.1@{_dns!.Port}\n");
            dns = $"ResolverConfiguration {unbound}";
        }

        return ["Mode v", $"AuthservID {AuthservId}", "DNSTimeout 5", dns];
    }

    private async Task<IReadOnlyDictionary<string, ShapeOutcome>> SignedOutcomesAsync(List<SignedMessage> delivered)
    {
        var verdicts = await DkimpyVerifier.VerifyAsync([_key!], delivered.Select(message => message.Wire).ToList());
        var outcomes = new Dictionary<string, ShapeOutcome>(StringComparer.Ordinal);
        for (int i = 0; i < delivered.Count; i++)
        {
            string name = CaseName(delivered[i].Delivered);
            outcomes[name] = verdicts[i].Count switch
            {
                0 => new ShapeOutcome(false, "delivered unsigned", []),
                1 => new ShapeOutcome(verdicts[i][0].Pass, $"dkimpy: {verdicts[i][0].Error}", SignedMessage.SignedHeaderNames(delivered[i].Signatures[0])),
                _ => new ShapeOutcome(false, $"{verdicts[i].Count} signatures", []),
            };
        }

        return outcomes;
    }

    private static Dictionary<string, ShapeOutcome> VerifiedOutcomes(List<SignedMessage> delivered)
    {
        var outcomes = new Dictionary<string, ShapeOutcome>(StringComparer.Ordinal);
        foreach (var message in delivered)
        {
            var results = ResultsField.By(message.Delivered, AuthservId);
            var entries = results.SelectMany(field => field.Dkim).ToList();
            outcomes[CaseName(message.Delivered)] = new ShapeOutcome(
                entries.Count == 1 && entries[0].Result == "pass",
                results.Count == 0 ? "no Authentication-Results" : string.Join(" | ", results.Select(field => field.Text)),
                HeaderShape.ShapedFields);
        }

        return outcomes;
    }

    /// <summary>dkimpy's c=simple/simple signature over every shaped field, on top of each shape's message.</summary>
    private static async Task<IReadOnlyList<string>> SignWithDkimpyAsync(DkimKey key)
    {
        string pem = await File.ReadAllTextAsync(key.PrivateKeyPath);
        var texts = HeaderShape.All.Select(shape => shape.Message("verify")).ToList();
        var jobs = texts.Select(text => new SigningJob(text, key.Selector, key.Domain, "rsa-sha256", pem, "simple", "simple", HeaderShape.ShapedFields)).ToList();
        var (signatures, _) = await DkimpySigner.SignAsync(jobs, []);
        return texts.Select((text, i) => signatures[i] + text).ToList();
    }

    private static string CaseName(DeliveredMessage message)
    {
        int index = message.IndexOf("X-Test-Case");
        return index < 0
            ? throw new InvalidOperationException("a delivery without X-Test-Case:\n" + message.HeaderBlock)
            : message.Fields[index]["X-Test-Case:".Length..].Trim();
    }
}
