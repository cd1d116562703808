using System.Net;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>How a Postfix milter entry relates to our Socket.</summary>
internal enum TargetMatch
{
    /// <summary>Another milter (another port or path).</summary>
    Other,

    /// <summary>Postfix reaches our socket through this entry.</summary>
    Ours,

    /// <summary>Our port, but the addresses Postfix connects to are not ones we listen on.</summary>
    AddressMismatch,

    /// <summary>Our unix socket's path, but smtpd is chrooted and looks for it inside the queue directory.</summary>
    HiddenByChroot,
}

/// <summary>
/// One entry of a Postfix milter list, matched with our Socket: the list it is in, whether it reaches us, and
/// the endpoints Postfix connects to, in the order it tries them (a unix socket: the path as seen from outside
/// the chroot).
/// </summary>
internal sealed record MilterTarget(string List, PostfixMilterEntry Entry, TargetMatch Match, IReadOnlyList<EndPoint> PostfixEndPoints, string Detail);
