using System.Net;
using Milter.Configuration.Policy;

namespace Milter.IntegrationTests.Parity;

/// <summary>
/// One message put to both the real OpenDKIM and <see cref="SigningPolicy"/>: which configuration, who sends it
/// (the From header), from which SMTP client, with which MTA macros and envelope recipients.
/// </summary>
/// <param name="Name">Unique; names the case in test output and in the miltertest script.</param>
/// <param name="Config">A <see cref="ParityConfig.Name"/>.</param>
/// <param name="From">The sender address (user@domain) that the From header carries.</param>
/// <param name="ClientHost">The client's host name as the MTA reports it (<c>[192.0.2.1]</c> when it has none).</param>
/// <param name="ClientIp">The client's address.</param>
/// <param name="OpenDkim">
/// What OpenDKIM 2.11 (Debian's opendkim 2.11.0~beta2) did with this case when the table was written: the
/// documentation of the table; the parity assertion compares with what the installed binary does now.
/// </param>
public sealed record ParityCase(string Name, string Config, string From, string ClientHost, string ClientIp, PolicyAction OpenDkim)
{
    /// <summary>The From header's value, if not just <see cref="From"/> (e.g. with a display name).</summary>
    public string? FromHeader { get; init; }

    /// <summary>The envelope sender (MAIL FROM), if not <see cref="From"/>.</summary>
    public string? EnvelopeFrom { get; init; }

    /// <summary>Postfix's <c>{daemon_name}</c> (sent with the connect macros).</summary>
    public string DaemonName { get; init; } = "smtpd";

    /// <summary>Further connect-stage macros, names without braces (e.g. <c>daemon_addr</c>).</summary>
    public IReadOnlyDictionary<string, string> ConnectMacros { get; init; } = new Dictionary<string, string>();

    /// <summary>Further MAIL-stage macros, names without braces (e.g. <c>auth_type</c>, <c>auth_authen</c>).</summary>
    public IReadOnlyDictionary<string, string> MailMacros { get; init; } = new Dictionary<string, string>();

    /// <summary>Envelope recipients.</summary>
    public IReadOnlyList<string> Recipients { get; init; } = ["rcpt@receiver.example"];

    /// <summary>
    /// OpenDKIM 2.11 signs with only the first and the last matching SigningTable entry under MultipleSignatures (a
    /// bug); we deliberately sign with every match, so such cases compare OpenDKIM with our first and last.
    /// </summary>
    public bool OpenDkimSignsFirstAndLastOnly { get; init; }

    /// <summary>Why the case is in the table (printed with failures).</summary>
    public string Note { get; init; } = "";

    /// <summary>The MAIL macros of an SMTP AUTH session as Postfix sends them.</summary>
    public ParityCase Authenticated() => this with
    {
        MailMacros = new Dictionary<string, string>(MailMacros) { ["auth_type"] = "PLAIN", ["auth_authen"] = "alice" },
    };

    /// <summary>
    /// Every macro the MTA sent, by name without braces, as the milter would look it up: <c>j</c> and
    /// <c>{daemon_name}</c> at connect, <c>i</c> at MAIL, plus the case's own.
    /// </summary>
    public IReadOnlyDictionary<string, string> AllMacros()
    {
        var macros = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["j"] = ParityScript.MtaHostname,
            ["daemon_name"] = DaemonName,
        };
        foreach (var (name, value) in ConnectMacros)
        {
            macros[name] = value;
        }

        macros["i"] = QueueId;
        foreach (var (name, value) in MailMacros)
        {
            macros[name] = value;
        }

        return macros;
    }

    /// <summary>The <c>i</c> macro (OpenDKIM's job id in its logs): the same for a case in every run (FNV-1a of the name).</summary>
    public string QueueId
    {
        get
        {
            uint hash = 2166136261;
            foreach (char c in Name)
            {
                hash = unchecked((hash ^ c) * 16777619);
            }

            return "PARITY" + hash.ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The same message as <c>dkim-milter explain</c> and the milter hand it to the policy.</summary>
    public MessageFacts Facts()
    {
        var macros = AllMacros();
        return new MessageFacts(From, IPAddress.Parse(ClientIp), ClientHost, name => macros.GetValueOrDefault(name.Trim('{', '}')), Recipients);
    }

    public override string ToString() =>
        $"{Name} [config {Config}; From {FromHeader ?? From}{(EnvelopeFrom is null ? "" : $", MAIL FROM {EnvelopeFrom}")}; client {ClientHost} [{ClientIp}]; " +
        $"macros {string.Join(", ", AllMacros().Where(m => m.Key is not ("i" or "j")).Select(m => $"{{{m.Key}}}={m.Value}"))}; RCPT {string.Join(", ", Recipients)}]";
}

/// <summary>
/// What one side did with a message. <see cref="Action"/> is null when OpenDKIM answered something a
/// sign-or-verify decision cannot explain (tempfail, reject...): a harness or configuration problem.
/// </summary>
/// <param name="Signatures">For signing, one <c>d=DOMAIN s=SELECTOR</c> per signature, sorted, domains lower-cased.</param>
/// <param name="Detail">How it showed (which reply at which stage, the A-R header...).</param>
public sealed record ParityOutcome(PolicyAction? Action, IReadOnlyList<string> Signatures, string Detail)
{
    public override string ToString() => Action switch
    {
        PolicyAction.Sign => $"sign ({string.Join(", ", Signatures)})",
        null => $"error ({Detail})",
        _ => Action.Value.ToString().ToLowerInvariant(),
    };
}
