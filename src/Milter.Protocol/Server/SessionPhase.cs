using Milter.Protocol.Wire;

namespace Milter.Protocol.Server;

/// <summary>Where a milter connection stands. The order matters: Mail..Body is "inside a message".</summary>
internal enum SessionPhase
{
    AwaitingNegotiation,
    AwaitingConnect,
    Connected,
    Mail,
    Recipients,
    Data,
    Headers,
    EndOfHeaders,
    Body,
    Closed,
}

/// <summary>
/// Which command is legal in which phase, and where it leads: the whole state machine in one table. Steps the
/// MTA may leave out (DATA below version 4, steps the milter asked to skip) are simply not required; what is
/// refused is going backwards (a header after the body, RCPT after DATA), skipping into a message without MAIL,
/// and a second OPTNEG or CONNECT.
/// </summary>
internal static class PhaseRules
{
    /// <summary>The phase after <paramref name="command"/>, or null if it is out of phase.</summary>
    public static SessionPhase? Next(SessionPhase current, byte command) => current == SessionPhase.Closed ? null : command switch
    {
        CommandCode.OptionNegotiation => current == SessionPhase.AwaitingNegotiation ? SessionPhase.AwaitingConnect : null,
        CommandCode.Macro => current,
        CommandCode.Connect => current == SessionPhase.AwaitingConnect ? SessionPhase.Connected : null,
        CommandCode.Helo => current is SessionPhase.AwaitingConnect or SessionPhase.Connected ? SessionPhase.Connected : null,
        CommandCode.Mail => current is SessionPhase.AwaitingConnect or SessionPhase.Connected ? SessionPhase.Mail : null,
        CommandCode.Recipient => current is SessionPhase.Mail or SessionPhase.Recipients ? SessionPhase.Recipients : null,
        CommandCode.Data => current is SessionPhase.Mail or SessionPhase.Recipients ? SessionPhase.Data : null,
        CommandCode.Unknown => current is >= SessionPhase.AwaitingConnect and <= SessionPhase.Data ? current : null,
        CommandCode.Header => current is >= SessionPhase.Mail and <= SessionPhase.Headers ? SessionPhase.Headers : null,
        CommandCode.EndOfHeaders => current is >= SessionPhase.Mail and <= SessionPhase.Headers ? SessionPhase.EndOfHeaders : null,
        CommandCode.Body => current is >= SessionPhase.Mail and <= SessionPhase.Body ? SessionPhase.Body : null,
        CommandCode.EndOfMessage => current is >= SessionPhase.Mail and <= SessionPhase.Body ? SessionPhase.Connected : null,
        CommandCode.Abort => current switch
        {
            SessionPhase.AwaitingNegotiation => null,
            >= SessionPhase.Mail => SessionPhase.Connected,
            _ => current,
        },
        CommandCode.QuitNewConnection => current == SessionPhase.AwaitingNegotiation ? null : SessionPhase.AwaitingConnect,
        CommandCode.Quit => SessionPhase.Closed,
        _ => null,
    };

    /// <summary>True between MAIL and end of message.</summary>
    public static bool InMessage(SessionPhase phase) => phase is >= SessionPhase.Mail and <= SessionPhase.Body;
}
