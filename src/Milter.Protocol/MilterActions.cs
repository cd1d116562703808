namespace Milter.Protocol;

/// <summary>Modification actions a milter may use (SMFIF_* in mfapi.h), negotiated in OPTNEG.</summary>
[Flags]
public enum MilterActions : uint
{
    /// <summary>No modification.</summary>
    None = 0,
    /// <summary>SMFIF_ADDHDRS: add headers (covers INSHEADER too).</summary>
    AddHeaders = 0x01,
    /// <summary>SMFIF_CHGBODY: replace the body.</summary>
    ChangeBody = 0x02,
    /// <summary>SMFIF_ADDRCPT: add recipients.</summary>
    AddRecipients = 0x04,
    /// <summary>SMFIF_DELRCPT: delete recipients.</summary>
    DeleteRecipients = 0x08,
    /// <summary>SMFIF_CHGHDRS: change or delete headers.</summary>
    ChangeHeaders = 0x10,
    /// <summary>SMFIF_QUARANTINE: quarantine the message.</summary>
    Quarantine = 0x20,
    /// <summary>SMFIF_CHGFROM: change the envelope sender.</summary>
    ChangeFrom = 0x40,
    /// <summary>SMFIF_ADDRCPT_PAR: add recipients with ESMTP arguments.</summary>
    AddRecipientsWithArguments = 0x80,
    /// <summary>SMFIF_SETSYMLIST: request macro lists per stage in the OPTNEG reply.</summary>
    SetMacroList = 0x100,
}
