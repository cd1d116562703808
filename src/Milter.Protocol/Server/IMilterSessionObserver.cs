using Milter.Protocol.Handling;

namespace Milter.Protocol.Server;

/// <summary>
/// Told what sessions do, for metrics. Called on the session's own flow, once per handler step: implementations must
/// be cheap, never block and never throw. <c>stepName</c> values are the constants the session logs with
/// (CONNECT, HELO, MAIL, RCPT, DATA, UNKNOWN, HEADER, EOH, BODY, EOM).
/// </summary>
public interface IMilterSessionObserver
{
    /// <summary>A handler step returned (or failed) after <paramref name="elapsed"/>.</summary>
    void StepCompleted(string stepName, TimeSpan elapsed);

    /// <summary>A handler step threw: the step is answered tempfail.</summary>
    void HandlerFailed(string stepName);

    /// <summary>The session ended on a protocol error of the MTA.</summary>
    void ProtocolError(ProtocolError kind);

    /// <summary>A message's transaction ended with <paramref name="decision"/> (end of message's reply, or an earlier refusal).</summary>
    void MessageDecided(MilterDecision decision, bool quarantined);
}
