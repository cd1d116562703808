using Milter.Protocol;
using Milter.Protocol.Handling;

namespace Milter.Daemon.Handlers;

/// <summary>
/// Accepts every message unchanged. It stands in for the DKIM policy until signing and verifying land; start-up
/// says so in the log, so nobody mistakes it for a signing daemon.
/// </summary>
internal sealed class PassThroughHandler : MilterHandler
{
    /// <summary>Asks for what OpenDKIM asks for at version 6 (no HELO, UNKNOWN or DATA; SKIP; leading space),
    /// which the engine cuts down to what the MTA offers.</summary>
    public override MilterNegotiation Negotiate(NegotiationOffer offer) => new(
        MilterActions.AddHeaders | MilterActions.ChangeHeaders,
        ProtocolOptions.NoHelo | ProtocolOptions.NoUnknown | ProtocolOptions.NoData | ProtocolOptions.Skip | ProtocolOptions.HeaderLeadingSpace);
}
