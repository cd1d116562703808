namespace Milter.Configuration;

/// <summary>
/// Every parameter name the configuration may use: those OpenDKIM 2.11 (Debian 12's build) accepts, in its
/// spelling, and dkim-milter's own few (<see cref="OwnOnly"/>). The OpenDKIM list was taken from the real binary:
/// each candidate name was run through <c>opendkim -n</c> and kept unless it answered "unrecognized parameter".
/// Names are case-insensitive.
/// </summary>
public static class KnownParameters
{
    /// <summary>
    /// dkim-milter's own options, which OpenDKIM does not have (its <c>opendkim -n</c> refuses them): the milter
    /// connection's read timeouts, fixed at libmilter's 7210 s there, a limit on concurrent connections, and the
    /// Prometheus metrics endpoint.
    /// </summary>
    public static IReadOnlySet<string> OwnOnly { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "ConnectionIdleTimeout", "MaximumConnections", "MessageIdleTimeout",
        "MetricsSocket",
        "DatabaseCacheSize", "DatabaseCacheTTL",
    };

    /// <summary>OpenDKIM's names and <see cref="OwnOnly"/>, case-insensitive.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(OwnOnly, StringComparer.OrdinalIgnoreCase)
    {
        "AllowSHA1Only", "AlwaysAddARHeader", "ATPSDomains", "ATPSHashAlgorithm", "AuthservID", "AuthservIDWithJobID",
        "AutoRestart", "AutoRestartCount", "AutoRestartRate", "Background", "BaseDirectory", "BodyLengthDB", "BogusKey",
        "Canonicalization", "CaptureUnknownErrors", "ChangeRootDirectory", "ClockDrift", "DiagnosticDirectory",
        "Diagnostics", "DisableCryptoInit", "DNSConnect", "DNSTimeout", "Domain", "DomainKeysCompat", "DontSignMailTo",
        "EnableCoredumps", "ExemptDomains", "ExternalIgnoreList", "FinalPolicyScript", "FixCRLF", "IgnoreMalformedMail",
        "Include", "InternalHosts", "KeepAuthResults", "KeepTemporaryFiles", "KeyFile", "KeyTable", "LDAPAuthMechanism",
        "LDAPAuthName", "LDAPAuthRealm", "LDAPAuthUser", "LDAPBindPassword", "LDAPBindUser", "LDAPDisableCache",
        "LDAPKeepaliveIdle", "LDAPKeepaliveInterval", "LDAPKeepaliveProbes", "LDAPTimeout", "LDAPUseTLS", "LogResults",
        "LogWhy", "MacroList", "MaximumHeaders", "MaximumSignaturesToVerify", "MaximumSignedBytes", "MilterDebug",
        "Minimum", "MinimumKeyBits", "Mode", "MTA", "MTACommand", "MultipleSignatures", "MustBeSigned", "Nameservers",
        "NoHeaderB", "OmitHeaders", "On-BadSignature", "On-Default", "On-DNSError", "On-InternalError", "On-KeyNotFound",
        "On-NoSignature", "On-Security", "On-SignatureError", "OversignHeaders", "PeerList", "PidFile", "Quarantine",
        "QueryCache", "RedirectFailuresTo", "RemoveARAll", "RemoveARFrom", "RemoveOldSignatures", "ReplaceHeaders",
        "ReplaceRules", "ReportAddress", "ReportBccAddress", "RequestReports", "RequiredHeaders", "RequireSafeKeys",
        "ResolverConfiguration", "ResolverTracing", "ScreenPolicyScript", "SelectCanonicalizationHeader", "Selector",
        "SenderHeaders", "SenderMacro", "SendReports", "SetupPolicyScript", "SignatureAlgorithm", "SignatureTTL",
        "SignHeaders", "SigningTable", "Socket", "SoftStart", "SoftwareHeader", "Statistics", "StatisticsName",
        "StatisticsPrefix", "StrictHeaders", "StrictTestMode", "SubDomains", "Syslog", "SyslogFacility", "SyslogName",
        "SyslogSuccess", "TemporaryDirectory", "TestDNSData", "TestPublicKeys", "TrustAnchorFile", "TrustSignaturesFrom",
        "UMask", "UnprotectedKey", "UserID", "VBR-Certifiers", "VBR-PurgeFields", "VBR-TrustedCertifiers",
        "VBR-TrustedCertifiersOnly", "VBR-Type", "WeakSyntaxChecks", "X-Header",
    };
}
