namespace Milter.Protocol;

/// <summary>Protocol flags (SMFIP_* in mfdef.h): steps to skip, steps with no reply, and extensions.</summary>
[Flags]
public enum ProtocolOptions : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>SMFIP_NOCONNECT: do not send CONNECT.</summary>
    NoConnect = 0x1,
    /// <summary>SMFIP_NOHELO: do not send HELO.</summary>
    NoHelo = 0x2,
    /// <summary>SMFIP_NOMAIL: do not send MAIL.</summary>
    NoMail = 0x4,
    /// <summary>SMFIP_NORCPT: do not send RCPT.</summary>
    NoRecipient = 0x8,
    /// <summary>SMFIP_NOBODY: do not send body chunks.</summary>
    NoBody = 0x10,
    /// <summary>SMFIP_NOHDRS: do not send headers.</summary>
    NoHeaders = 0x20,
    /// <summary>SMFIP_NOEOH: do not send end of headers.</summary>
    NoEndOfHeaders = 0x40,
    /// <summary>SMFIP_NR_HDR: no reply to HEADER.</summary>
    NoReplyHeader = 0x80,
    /// <summary>SMFIP_NOUNKNOWN: do not send UNKNOWN.</summary>
    NoUnknown = 0x100,
    /// <summary>SMFIP_NODATA: do not send DATA.</summary>
    NoData = 0x200,
    /// <summary>SMFIP_SKIP: the MTA understands SKIP replies to body chunks.</summary>
    Skip = 0x400,
    /// <summary>SMFIP_RCPT_REJ: also send recipients the MTA rejected.</summary>
    SendRejectedRecipients = 0x800,
    /// <summary>SMFIP_NR_CONN: no reply to CONNECT.</summary>
    NoReplyConnect = 0x1000,
    /// <summary>SMFIP_NR_HELO: no reply to HELO.</summary>
    NoReplyHelo = 0x2000,
    /// <summary>SMFIP_NR_MAIL: no reply to MAIL.</summary>
    NoReplyMail = 0x4000,
    /// <summary>SMFIP_NR_RCPT: no reply to RCPT.</summary>
    NoReplyRecipient = 0x8000,
    /// <summary>SMFIP_NR_DATA: no reply to DATA.</summary>
    NoReplyData = 0x10000,
    /// <summary>SMFIP_NR_UNKN: no reply to UNKNOWN.</summary>
    NoReplyUnknown = 0x20000,
    /// <summary>SMFIP_NR_EOH: no reply to end of headers.</summary>
    NoReplyEndOfHeaders = 0x40000,
    /// <summary>SMFIP_NR_BODY: no reply to body chunks.</summary>
    NoReplyBody = 0x80000,
    /// <summary>SMFIP_HDR_LEADSPC: header values are passed with their leading space, both ways.</summary>
    HeaderLeadingSpace = 0x100000,
    /// <summary>SMFIP_MDS_256K: the MTA may send data chunks of up to 256 KiB.</summary>
    MaxDataSize256K = 0x10000000,
    /// <summary>SMFIP_MDS_1M: the MTA may send data chunks of up to 1 MiB.</summary>
    MaxDataSize1M = 0x20000000,
}
