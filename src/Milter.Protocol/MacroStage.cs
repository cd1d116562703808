namespace Milter.Protocol;

/// <summary>
/// Macro stages as libmilter numbers them (SMFIM_*). The order matters: a command clears the macros of every
/// stage with a higher number, and look-ups search from the highest number down. Note that end of message comes
/// before end of headers in this numbering.
/// </summary>
public enum MacroStage
{
    /// <summary>SMFIM_CONNECT: sent before CONNECT.</summary>
    Connect = 0,
    /// <summary>SMFIM_HELO: sent before HELO.</summary>
    Helo = 1,
    /// <summary>SMFIM_ENVFROM: sent before MAIL.</summary>
    MailFrom = 2,
    /// <summary>SMFIM_ENVRCPT: sent before RCPT.</summary>
    Recipient = 3,
    /// <summary>SMFIM_DATA: sent before DATA.</summary>
    Data = 4,
    /// <summary>SMFIM_EOM: sent before end of message.</summary>
    EndOfMessage = 5,
    /// <summary>SMFIM_EOH: sent before end of headers.</summary>
    EndOfHeaders = 6,
}
