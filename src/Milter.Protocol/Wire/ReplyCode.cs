namespace Milter.Protocol.Wire;

/// <summary>Reply bytes the milter sends (libmilter's SMFIR_* in mfdef.h).</summary>
public static class ReplyCode
{
    /// <summary>SMFIR_CONTINUE: go on with the next step (at end of message: accept).</summary>
    public const byte Continue = (byte)'c';
    /// <summary>SMFIR_ACCEPT: accept; the milter wants nothing more of this message (or connection).</summary>
    public const byte Accept = (byte)'a';
    /// <summary>SMFIR_REJECT: reject with a generic 5xx.</summary>
    public const byte Reject = (byte)'r';
    /// <summary>SMFIR_TEMPFAIL: fail temporarily with a generic 4xx.</summary>
    public const byte TempFail = (byte)'t';
    /// <summary>SMFIR_DISCARD: accept, then throw the message away.</summary>
    public const byte Discard = (byte)'d';
    /// <summary>SMFIR_SHUTDOWN: 421, close the SMTP session.</summary>
    public const byte Shutdown = (byte)'4';
    /// <summary>SMFIR_REPLYCODE: reject or tempfail with the given SMTP reply text.</summary>
    public const byte ReplyWithCode = (byte)'y';
    /// <summary>SMFIR_PROGRESS: still working, restart the MTA's timer.</summary>
    public const byte Progress = (byte)'p';
    /// <summary>SMFIR_SKIP: send no more body chunks (only when SKIP was negotiated).</summary>
    public const byte Skip = (byte)'s';
    /// <summary>SMFIR_QUARANTINE: put the message on hold with a reason.</summary>
    public const byte Quarantine = (byte)'q';
    /// <summary>SMFIR_ADDHEADER: append a header field.</summary>
    public const byte AddHeader = (byte)'h';
    /// <summary>SMFIR_INSHEADER: insert a header field at an index.</summary>
    public const byte InsertHeader = (byte)'i';
    /// <summary>SMFIR_CHGHEADER: change (or, with an empty value, delete) the n-th occurrence of a header.</summary>
    public const byte ChangeHeader = (byte)'m';
    /// <summary>SMFIR_ADDRCPT: add a recipient.</summary>
    public const byte AddRecipient = (byte)'+';
    /// <summary>SMFIR_DELRCPT: remove a recipient.</summary>
    public const byte DeleteRecipient = (byte)'-';
    /// <summary>SMFIR_ADDRCPT_PAR: add a recipient with ESMTP arguments.</summary>
    public const byte AddRecipientWithArguments = (byte)'2';
    /// <summary>SMFIR_CHGFROM: change the envelope sender.</summary>
    public const byte ChangeFrom = (byte)'e';
    /// <summary>SMFIR_REPLBODY: replace the body (chunks concatenate).</summary>
    public const byte ReplaceBody = (byte)'b';
    /// <summary>SMFIR_CONN_FAIL: cause a connection failure. Postfix does not support it; never sent.</summary>
    public const byte ConnectionFail = (byte)'f';
    /// <summary>SMFIC_OPTNEG used as a reply: the milter's side of the negotiation.</summary>
    public const byte OptionNegotiation = (byte)'O';
}
