using Microsoft.Extensions.Logging;
using Milter.Configuration.Policy;
using Milter.Dkim.Canonicalization;
using Milter.Protocol;
using Milter.Protocol.Handling;

namespace Milter.Daemon.Dkim;

/// <summary>
/// Says once per daemon, at the first MTA connection that cannot pass header fields exactly (milter protocol
/// below 6, or no HDR_LEADSPC: Postfix's <c>milter_protocol = 2</c>, the seed's setting), what that costs. The
/// MTA then eats the space after each colon and the milter rebuilds it (<see cref="HeaderValues.FromWire"/>); a
/// field written with no space after the colon, or with a space before a tab or a fold, comes back differently,
/// and only simple header canonicalization sees the difference: our signatures with <c>c=simple/...</c> fail at
/// the receiver, and inbound signatures made with it fail here.
/// </summary>
internal sealed class InexactHeadersWarning
{
    private int _said;

    /// <summary>Logs the warning if <paramref name="offer"/> is the first inexact one and the filter would suffer from it.</summary>
    public void Consider(NegotiationOffer offer, DkimFilter filter, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(filter);
        bool exact = offer.Version >= 6 && offer.Protocol.HasFlag(ProtocolOptions.HeaderLeadingSpace);
        if (exact || Volatile.Read(ref _said) != 0)
        {
            return;
        }

        bool signsSimple = filter.Policy.Mode.HasFlag(MilterMode.Sign) && filter.Signing.Canonicalization.Header == CanonicalizationAlgorithm.Simple;
        bool verifies = filter.Policy.Mode.HasFlag(MilterMode.Verify);
        if ((signsSimple || verifies) && Interlocked.Exchange(ref _said, 1) == 0)
        {
            string consequence = (signsSimple, verifies) switch
            {
                (true, true) => "our signatures (simple header canonicalization) of such messages fail at receivers, and inbound ones made with it fail here",
                (true, false) => "our signatures (simple header canonicalization) of such messages fail at receivers",
                _ => "inbound signatures made with simple header canonicalization fail here for such messages",
            };
            string fix = "in Postfix, postconf -e 'milter_protocol = 6' and postfix reload"
                + (signsSimple ? "; or, for our own signatures only, Canonicalization relaxed/simple in our configuration" : "");
            DkimLog.InexactHeaders(log, offer.Version, consequence, fix);
        }
    }
}
