namespace Milter.Protocol.Wire;

/// <summary>Command bytes the MTA sends (libmilter's SMFIC_* in mfdef.h).</summary>
public static class CommandCode
{
    /// <summary>SMFIC_OPTNEG: option negotiation, the first packet of every milter connection.</summary>
    public const byte OptionNegotiation = (byte)'O';
    /// <summary>SMFIC_MACRO: macro definitions for the command named in the first payload byte.</summary>
    public const byte Macro = (byte)'D';
    /// <summary>SMFIC_CONNECT: SMTP client connection information.</summary>
    public const byte Connect = (byte)'C';
    /// <summary>SMFIC_HELO: HELO/EHLO argument.</summary>
    public const byte Helo = (byte)'H';
    /// <summary>SMFIC_MAIL: MAIL FROM sender and ESMTP arguments.</summary>
    public const byte Mail = (byte)'M';
    /// <summary>SMFIC_RCPT: RCPT TO recipient and ESMTP arguments.</summary>
    public const byte Recipient = (byte)'R';
    /// <summary>SMFIC_DATA: the DATA command (protocol version 4 and later).</summary>
    public const byte Data = (byte)'T';
    /// <summary>SMFIC_UNKNOWN: an SMTP command the MTA did not recognise (version 3 and later).</summary>
    public const byte Unknown = (byte)'U';
    /// <summary>SMFIC_HEADER: one header field, name and value.</summary>
    public const byte Header = (byte)'L';
    /// <summary>SMFIC_EOH: end of the header block.</summary>
    public const byte EndOfHeaders = (byte)'N';
    /// <summary>SMFIC_BODY: a chunk of the body.</summary>
    public const byte Body = (byte)'B';
    /// <summary>SMFIC_BODYEOB: end of the message; modifications and the final decision follow.</summary>
    public const byte EndOfMessage = (byte)'E';
    /// <summary>SMFIC_ABORT: the current message is abandoned; the connection stays.</summary>
    public const byte Abort = (byte)'A';
    /// <summary>SMFIC_QUIT: close the milter connection.</summary>
    public const byte Quit = (byte)'Q';
    /// <summary>SMFIC_QUIT_NC: this SMTP session is over, a new CONNECT follows on the same socket.</summary>
    public const byte QuitNewConnection = (byte)'K';

    /// <summary>A printable description of a command byte for log lines.</summary>
    public static string Describe(byte code) => code switch
    {
        OptionNegotiation => "OPTNEG",
        Macro => "MACRO",
        Connect => "CONNECT",
        Helo => "HELO",
        Mail => "MAIL",
        Recipient => "RCPT",
        Data => "DATA",
        Unknown => "UNKNOWN",
        Header => "HEADER",
        EndOfHeaders => "EOH",
        Body => "BODY",
        EndOfMessage => "BODYEOB",
        Abort => "ABORT",
        Quit => "QUIT",
        QuitNewConnection => "QUIT_NC",
        >= 0x21 and < 0x7F => $"'{(char)code}'",
        _ => $"0x{code:X2}",
    };
}
