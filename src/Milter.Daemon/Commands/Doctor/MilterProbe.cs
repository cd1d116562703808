using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Milter.Protocol;
using Milter.Protocol.Client;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// The live probe: connects where Postfix connects (each address in Postfix's order until one answers, as
/// Postfix does) and negotiates as Postfix does at its milter_protocol (version, actions 0x1FF, protocol 0x7F at
/// 2 ... 0x1FFFFF at 6). A milter that does not accept or does not answer OPTNEG is an error.
/// </summary>
internal static class MilterProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(PostfixSettings postfix, MilterSide us, IReadOnlyList<MilterTarget> targets, ICollection<DoctorFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(postfix);
        ArgumentNullException.ThrowIfNull(us);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(findings);
        foreach (var target in targets.Where(t => t.Match == TargetMatch.Ours).DistinctBy(t => t.Entry.Address))
        {
            int protocol = ProtocolVersion(target.Entry.Protocol ?? postfix["milter_protocol"]);
            var profile = protocol switch
            {
                2 => MtaProfile.Postfix2,
                3 => MtaProfile.Postfix3,
                4 => MtaProfile.Postfix4,
                _ => MtaProfile.Postfix6,
            };
            var failures = new List<string>();
            bool answered = false;
            foreach (var endpoint in target.PostfixEndPoints)
            {
                using var timeout = new CancellationTokenSource(Timeout);
                try
                {
                    await using var client = await MilterClient.ConnectAsync(endpoint, timeout.Token);
                    var reply = await client.NegotiateAsync(profile, timeout.Token);
                    await client.QuitAsync(timeout.Token);
                    findings.Add(DoctorFinding.Note("probe", target.Entry.Address,
                        $"dkim-milter answered at {MilterAddressChecks.Show(endpoint)}: OPTNEG version {reply.Version.ToString(CultureInfo.InvariantCulture)}, actions 0x{((uint)reply.Actions).ToString("X", CultureInfo.InvariantCulture)}, protocol 0x{((uint)reply.Protocol).ToString("X", CultureInfo.InvariantCulture)} (Postfix offered version {profile.Version.ToString(CultureInfo.InvariantCulture)})"));
                    answered = true;
                    break;
                }
                catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or MilterProtocolException or ObjectDisposedException)
                {
                    failures.Add($"{MilterAddressChecks.Show(endpoint)}: {Describe(ex)}");
                }
            }

            if (!answered)
            {
                findings.Add(DoctorFinding.Error("probe", target.Entry.Address,
                    $"milter not answering at {target.Entry.Address} ({(failures.Count == 0 ? "no address to connect to" : string.Join("; ", failures))}): Postfix {Consequence(postfix, target)}",
                    $"start it: systemctl start dkim-milter (or: dkim-milter -x {us.ConfigPath}); then check its log for why it stopped"));
            }
        }
    }

    /// <summary>The version in a milter_protocol value ("6", "2", "4 no_header_reply"...), 6 when unreadable.</summary>
    public static int ProtocolVersion(string value)
    {
        string digits = new([.. (value ?? "").TrimStart().TakeWhile(char.IsAsciiDigit)]);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int version) ? version : 6;
    }

    private static string Consequence(PostfixSettings postfix, MilterTarget target) =>
        (target.Entry.DefaultAction ?? postfix["milter_default_action"]) switch
        {
            "accept" => "lets mail through unsigned (milter_default_action = accept)",
            "reject" => "rejects mail (milter_default_action = reject)",
            "quarantine" => "quarantines mail (milter_default_action = quarantine)",
            _ => "defers every message with a temporary error (milter_default_action = tempfail)",
        };

    private static string Describe(Exception ex) => ex switch
    {
        SocketException socket => socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported => "address not available",
            SocketError.AccessDenied => "permission denied",
            _ => socket.Message,
        },
        OperationCanceledException => $"no answer within {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s",
        _ => ex.Message,
    };
}
