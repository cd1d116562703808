using System.Globalization;
using System.Text.RegularExpressions;
using Milter.IntegrationTests.Daemon;
using Milter.IntegrationTests.Postfix;

namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// One end-to-end signing set-up in its own 0700 temp directory: the seed's configuration (keys copied or generated
/// there), the real dkim-milter process on a free loopback port, and a private Postfix calling it for SMTP and
/// sendmail mail. Dispose stops both and deletes the directory.
/// </summary>
internal sealed partial class SigningRig : IAsyncDisposable
{
    public const string Ed25519Selector = "1728277767.e";

    private const string InexactHeadersWarningText = "without exact header values (HDR_LEADSPC)";

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private DaemonProcess? _daemon;
    private PostfixInstance? _postfix;

    private SigningRig(string directory, IReadOnlyList<DkimKey> keys)
    {
        _directory = directory;
        Keys = keys;
    }

    /// <summary>Every signing key, the bundled RSA key first.</summary>
    public IReadOnlyList<DkimKey> Keys { get; }

    public DaemonProcess Daemon => _daemon ?? throw new InvalidOperationException("not started");

    public PostfixInstance Postfix => _postfix ?? throw new InvalidOperationException("not started");

    public static async Task<SigningRig> StartAsync(RigSetup setup)
    {
        // CreateTempSubdirectory makes it 0700: the keys in it are the daemon's (root's) alone.
        string directory = Directory.CreateTempSubdirectory("dkim-e2e-").FullName;
        SigningRig? rig = null;
        try
        {
            var bundled = await DkimKey.CopyBundledRsaAsync(directory);
            var extra = setup.WithEd25519Key
                ? [await DkimKey.GenerateEd25519Async(directory, Ed25519Selector, DkimKey.SeedDomain)]
                : Array.Empty<DkimKey>();
            rig = new SigningRig(directory, [bundled, .. extra]);

            int port = FreePort.Pick();
            string portText = port.ToString(CultureInfo.InvariantCulture);
            string host = setup.SeedPostfixSettings ? "localhost" : "127.0.0.1";
            string config = SeedConfiguration.Write(directory, $"inet:{portText}@{host}", bundled, extra, setup.Options);
            rig._daemon = await DaemonProcess.StartAsync("-x", config, "-f");

            var mainCf = new Dictionary<string, string>();
            if (setup.SeedPostfixSettings)
            {
                mainCf["smtpd_milters"] = mainCf["non_smtpd_milters"] = $"inet:localhost:{portText}";
                mainCf["milter_default_action"] = "accept";
            }

            rig._postfix = await PostfixInstance.StartAsync(port, setup.MilterProtocol, mainCf);
            return rig;
        }
        catch
        {
            if (rig is not null)
            {
                await rig.DisposeAsync();
            }
            else
            {
                Directory.Delete(directory, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Waits for the one message a test sent and returns it (a second delivery is a failure).</summary>
    public async Task<SignedMessage> SingleDeliveryAsync()
    {
        var delivered = await Postfix.WaitForDeliveredAsync(1, DeliveryTimeout);
        return new SignedMessage(Assert.Single(delivered));
    }

    /// <summary>dkimpy's verdict on each DKIM-Signature of <paramref name="message"/>, with this rig's keys as DNS.</summary>
    public async Task<IReadOnlyList<DkimpyVerdict>> VerifyAsync(SignedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return (await DkimpyVerifier.VerifyAsync(Keys, [message.Wire]))[0];
    }

    /// <summary>
    /// The daemon's "QUEUEID: DKIM-Signature field added (s=..., d=...)" lines for <paramref name="queueId"/>, as
    /// "s=SELECTOR d=DOMAIN", once at least <paramref name="expected"/> are there (the daemon logs before it answers
    /// end-of-message, but its output reaches us through a pipe) or the wait is over.
    /// </summary>
    public async Task<IReadOnlyList<string>> SignatureLogLinesAsync(string queueId, int expected)
    {
        var deadline = DateTime.UtcNow + LogTimeout;
        while (true)
        {
            var lines = SignatureLogLines(Daemon.Output, queueId);
            if (lines.Count >= expected || DateTime.UtcNow >= deadline)
            {
                return lines;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The "field added" lines of <paramref name="output"/> for one queue id, as "s=SELECTOR d=DOMAIN".</summary>
    public static IReadOnlyList<string> SignatureLogLines(string output, string queueId) =>
        SignatureAdded().Matches(output)
            .Where(match => match.Groups["id"].Value == queueId)
            .Select(match => $"s={match.Groups["s"].Value} d={match.Groups["d"].Value}")
            .ToList();

    /// <summary>
    /// The daemon's warning and error lines since it started listening (start-up warnings about options the
    /// sample sets but this build ignores come before that and are not about mail), except the one-time warning
    /// about milter protocol 2 (<see cref="InexactHeaderWarnings"/>), which is about the set-up and expected there.
    /// </summary>
    public static IReadOnlyList<string> DaemonProblems(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.Split('\n')
            .SkipWhile(line => !line.Contains("listening on", StringComparison.Ordinal))
            .Where(line => ProblemLevel().IsMatch(line) && !line.Contains(InexactHeadersWarningText, StringComparison.Ordinal))
            .ToList();
    }

    /// <summary>The daemon's warnings that the MTA cannot pass header fields exactly (milter protocol below 6).</summary>
    public static IReadOnlyList<string> InexactHeaderWarnings(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.Split('\n').Where(line => line.Contains(InexactHeadersWarningText, StringComparison.Ordinal)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_postfix is not null)
            {
                await _postfix.DisposeAsync();
            }
        }
        finally
        {
            if (_daemon is not null)
            {
                try
                {
                    await _daemon.StopAsync(StopTimeout);
                }
                finally
                {
                    await _daemon.DisposeAsync();
                }
            }

            Directory.Delete(_directory, recursive: true);
        }
    }

    [GeneratedRegex(@"(?<id>\S+): DKIM-Signature field added \(s=(?<s>[^,]+), d=(?<d>[^)]+)\)")]
    private static partial Regex SignatureAdded();

    // Serilog's console layout: "HH:mm:ss LVL message".
    [GeneratedRegex(@"^\d\d:\d\d:\d\d (WRN|ERR|FTL) ")]
    private static partial Regex ProblemLevel();
}
