using System.Net;

namespace Milter.Configuration.Policy;

/// <summary>
/// What the sign-or-verify decision looks at: the sender address taken from the first SenderHeaders header
/// (user@domain, already parsed; null when there is none), the SMTP client, the MTA's macros and the envelope
/// recipients.
/// </summary>
public sealed record MessageFacts(
    string? Sender,
    IPAddress? ClientAddress,
    string? ClientHostname,
    Func<string, string?> Macro,
    IReadOnlyList<string> Recipients)
{
    /// <summary>No macros at all.</summary>
    public static string? NoMacros(string name) => null;
}
