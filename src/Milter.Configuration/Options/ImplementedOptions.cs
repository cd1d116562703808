namespace Milter.Configuration.Options;

/// <summary>
/// THE list of options this project acts on. Every other option OpenDKIM knows is parsed and type-checked, then
/// reported as "not supported yet" at start-up with the severity in <see cref="OptionTable"/>. When a feature
/// lands, add its option names here (and nowhere else).
/// </summary>
public static class ImplementedOptions
{
    /// <summary>The names, case-insensitive.</summary>
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "AlwaysAddARHeader",
        "AuthservID",
        "Background",
        "BaseDirectory",
        "Canonicalization",
        "ClockDrift",
        "ConnectionIdleTimeout",
        "DNSTimeout",
        "Domain",
        "DontSignMailTo",
        "ExemptDomains",
        "ExternalIgnoreList",
        "Include",
        "InternalHosts",
        "KeepAuthResults",
        "KeyFile",
        "KeyTable",
        "LogResults",
        "LogWhy",
        "MacroList",
        "MaximumConnections",
        "MaximumHeaders",
        "MaximumSignaturesToVerify",
        "MaximumSignedBytes",
        "MessageIdleTimeout",
        "MinimumKeyBits",
        "Mode",
        "MTA",
        "MultipleSignatures",
        "Nameservers",
        "OmitHeaders",
        "On-BadSignature",
        "On-Default",
        "On-DNSError",
        "On-InternalError",
        "On-KeyNotFound",
        "On-NoSignature",
        "On-Security",
        "On-SignatureError",
        "OversignHeaders",
        "PeerList",
        "PidFile",
        "RemoveARAll",
        "RemoveARFrom",
        "RemoveOldSignatures",
        "RequireSafeKeys",
        "Selector",
        "SenderHeaders",
        "SignatureAlgorithm",
        "SignatureTTL",
        "SignHeaders",
        "SigningTable",
        "Socket",
        "SubDomains",
        "Syslog",
        "SyslogFacility",
        "SyslogName",
        "SyslogSuccess",
        "UMask",
        "UserID",
    };
}
