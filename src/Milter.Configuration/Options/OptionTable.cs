namespace Milter.Configuration.Options;

/// <summary>
/// Every option OpenDKIM 2.11 accepts, and dkim-milter's own (<see cref="KnownParameters.All"/>), with its type, default and what
/// ignoring it would mean. Sources: docs/OPENDKIM-REFERENCE.md, opendkim.conf(5), and the Debian binary itself
/// (types as <c>opendkim -n</c> checks them: the LDAP keepalive and timeout settings, documented as integers,
/// are plain strings there).
/// <para>
/// Severity rule: Error when ignoring the option could change what gets signed or verified, the result that is
/// reported (Authentication-Results, which DMARC filters downstream read), or what happens to the message
/// (accept, reject, quarantine...); Warning when it cannot (logging, statistics, reports, process management,
/// DNS tuning, debugging). Which options are acted on is <see cref="ImplementedOptions"/>.
/// </para>
/// </summary>
public static class OptionTable
{
    private static readonly OptionDefinition[] Definitions =
    [
        Warning("AllowSHA1Only", OptionType.Boolean, "no", "only relevant to a build without SHA-256, which this is not"),
        Error("AlwaysAddARHeader", OptionType.Boolean, "no", "unsigned mail would get no 'dkim=none' Authentication-Results header, which DMARC filters downstream may expect"),
        Error("ATPSDomains", OptionType.Dataset, null, "third-party signature authorization (ATPS, RFC 6541) changes verification results"),
        Error("ATPSHashAlgorithm", OptionType.AtpsHashAlgorithm, "sha256", "part of ATPS, which changes verification results"),
        Error("AuthservID", OptionType.Text, "the MTA's j macro, else unknown-host", "Authentication-Results would carry a different authserv-id, and downstream filters trust results by that id"),
        Error("AuthservIDWithJobID", OptionType.Boolean, "no", "Authentication-Results would carry a different authserv-id than downstream filters expect"),
        Warning("AutoRestart", OptionType.Boolean, "no", "process supervision only; under systemd use Restart=on-failure"),
        Warning("AutoRestartCount", OptionType.Number, "0 (no limit)", "process supervision only; under systemd use StartLimitBurst="),
        Warning("AutoRestartRate", OptionType.Rate, null, "process supervision only; under systemd use StartLimitIntervalSec= and StartLimitBurst="),
        Warning("Background", OptionType.Boolean, "yes", "whether the daemon forks; a systemd service runs in the foreground either way"),
        Error("BaseDirectory", OptionType.Text, null, "relative paths elsewhere in the configuration (key files, tables) would be read from another directory, so different or missing keys"),
        Error("BodyLengthDB", OptionType.Dataset, null, "signatures for these recipients would lack the l= body length tag"),
        Error("BogusKey", OptionType.KeyAction, "fail", "changes the result of signatures whose key failed DNSSEC validation"),
        Error("Canonicalization", OptionType.Canonicalization, "simple/simple", "signatures would be made with another canonicalization than configured"),
        Error("CaptureUnknownErrors", OptionType.Boolean, "no", "messages hitting internal errors would not be quarantined"),
        Warning("ChangeRootDirectory", OptionType.Text, null, "the daemon would run without chroot(2): signing and verifying are unchanged, the hardening is not; systemd's RootDirectory= or ProtectSystem= do the same"),
        Error("ClockDrift", OptionType.Number, "300", "changes which signatures count as expired or from the future"),
        Warning("ConnectionIdleTimeout", OptionType.Number, "7210 (libmilter's fixed read timeout)", "dkim-milter's own: how long a connection waits for the MTA's next command between messages; signing and verifying are unchanged"),
        Error("DatabaseCacheSize", OptionType.Number, "100000", "dkim-milter's own: how many keys each dsn: table caches"),
        Error("DatabaseCacheTTL", OptionType.Number, "300", "dkim-milter's own: after how many seconds a cached dsn: entry is read again"),
        Warning("DiagnosticDirectory", OptionType.Text, null, "diagnostic reports would not be written; verification is unchanged"),
        Warning("Diagnostics", OptionType.Boolean, "no", "signatures would lack the z= copy of the original headers, a debugging aid verifiers do not need"),
        Warning("DisableCryptoInit", OptionType.Boolean, "no", "concerns OpenSSL initialisation in OpenDKIM's process; nothing to do here"),
        Warning("DNSConnect", OptionType.Boolean, "no", "whether DNS starts over TCP; answers and results are the same"),
        Warning("DNSTimeout", OptionType.Number, "5", "how long key look-ups wait, not what they return"),
        Error("Domain", OptionType.Dataset, null, "decides which senders' mail is signed"),
        Error("DomainKeysCompat", OptionType.Boolean, "no", "DomainKeys (RFC 4870) key records would be rejected instead of accepted"),
        Error("DontSignMailTo", OptionType.Dataset, null, "mail to these recipients would be signed"),
        Warning("EnableCoredumps", OptionType.Boolean, "no", "crash dumps only; use systemd's LimitCORE="),
        Error("ExemptDomains", OptionType.Dataset, null, "mail from these domains would be signed or verified instead of ignored"),
        Warning("ExternalIgnoreList", OptionType.Dataset, null, "only silences the 'external host attempted to send as' log line; signing and verifying are unchanged"),
        Error("FinalPolicyScript", OptionType.Text, null, "a Lua policy script that can reject, quarantine or redirect mail would not run"),
        Error("FixCRLF", OptionType.Boolean, "no", "changes the body canonicalization of messages with bare CR or LF"),
        Error("IgnoreMalformedMail", OptionType.Boolean, "no", "malformed mail would get an Authentication-Results header instead of passing untouched"),
        Warning("Include", OptionType.Text, null, "names another configuration file, read in place"),
        Error("InternalHosts", OptionType.Dataset, "127.0.0.1, ::1", "decides which clients' mail is signed rather than verified"),
        Error("KeepAuthResults", OptionType.Boolean, "no", "Authentication-Results headers claiming our authserv-id (forgeries) would be removed instead of kept"),
        Warning("KeepTemporaryFiles", OptionType.Boolean, "no", "debugging copies of canonicalized messages only"),
        Error("KeyFile", OptionType.Text, null, "the single signing key: without it mail would not be signed"),
        Error("KeyTable", OptionType.Dataset, null, "the signing keys: without it mail would not be signed"),
        Error("LDAPAuthMechanism", OptionType.Text, "simple", "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPAuthName", OptionType.Text, null, "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPAuthRealm", OptionType.Text, null, "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPAuthUser", OptionType.Text, null, "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPBindPassword", OptionType.Text, null, "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPBindUser", OptionType.Text, null, "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPDisableCache", OptionType.Boolean, "no", "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPKeepaliveIdle", OptionType.Text, "the LDAP library's", "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPKeepaliveInterval", OptionType.Text, "the LDAP library's", "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPKeepaliveProbes", OptionType.Text, "the LDAP library's", "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPTimeout", OptionType.Text, "5", "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Error("LDAPUseTLS", OptionType.Boolean, "no", "configures LDAP datasets, which this build cannot read: the tables they hold would be missing"),
        Warning("LogResults", OptionType.Boolean, "no", "logging only"),
        Warning("LogWhy", OptionType.Boolean, "no", "logging only"),
        Error("MacroList", OptionType.Dataset, null, "decides which messages count as local, so are signed rather than verified"),
        Warning("MaximumConnections", OptionType.Number, "4096 (OpenDKIM: no limit)", "dkim-milter's own: how many MTA connections are served at once; signing and verifying are unchanged"),
        Error("MaximumHeaders", OptionType.Number, "65536", "changes which messages are rejected for an oversized header block"),
        Error("MaximumSignaturesToVerify", OptionType.Number, "3", "changes how many signatures on a message are verified and reported"),
        Error("MaximumSignedBytes", OptionType.Number, null, "signatures would cover the whole body instead of at most this many bytes (l=)"),
        Warning("MessageIdleTimeout", OptionType.Number, "7210 (libmilter's fixed read timeout)", "dkim-milter's own: how long a connection waits for the MTA's next command inside a message; signing and verifying are unchanged"),
        Warning("MetricsSocket", OptionType.Socket, "none (no metrics endpoint)", "dkim-milter's own: where the Prometheus metrics endpoint listens (loopback only); signing and verifying are unchanged"),
        Warning("MilterDebug", OptionType.Number, "0", "libmilter debugging output only"),
        Error("Minimum", OptionType.MinimumSigned, null, "signatures covering only part of the body would pass instead of failing"),
        Error("MinimumKeyBits", OptionType.Number, "1024", "changes which key sizes pass verification"),
        Error("Mode", OptionType.Mode, "sv", "decides whether mail is signed, verified or both"),
        Error("MTA", OptionType.Dataset, null, "decides which MTA instances' mail is signed"),
        Warning("MTACommand", OptionType.Text, "/usr/sbin/sendmail", "only used to send reports, which are not supported either"),
        Error("MultipleSignatures", OptionType.Boolean, "no", "decides whether every SigningTable match signs or only the first"),
        Error("MustBeSigned", OptionType.Dataset, null, "signatures that leave these headers unsigned would pass instead of failing"),
        Error("Nameservers", OptionType.Text, "from /etc/resolv.conf", "keys would be looked up through other resolvers, which may give other answers (split DNS)"),
        Warning("NoHeaderB", OptionType.Boolean, "no", "Authentication-Results would still carry header.b; results are unchanged"),
        Error("OmitHeaders", OptionType.Dataset, "Return-Path, Received, Comments, Keywords, Bcc, Resent-Bcc, DKIM-Signature", "changes which headers signatures cover"),
        Error("On-BadSignature", OptionType.Action, "accept", "decides what happens to mail whose signature fails"),
        Error("On-Default", OptionType.Action, null, "decides what happens to mail on every verification or internal error"),
        Error("On-DNSError", OptionType.Action, "accept (the manual says tempfail; OpenDKIM 2.11 accepts)", "decides what happens to mail when key look-ups fail temporarily"),
        Error("On-InternalError", OptionType.Action, "tempfail", "decides what happens to mail on internal errors"),
        Error("On-KeyNotFound", OptionType.Action, "accept", "decides what happens to mail whose signing key is not in DNS"),
        Error("On-NoSignature", OptionType.Action, "accept", "decides what happens to unsigned mail"),
        Warning("On-Security", OptionType.Action, "tempfail", "OpenDKIM 2.11 applies it to no message (measured), so ignoring it changes nothing"),
        Error("On-SignatureError", OptionType.Action, "tempfail (the manual says reject; OpenDKIM 2.11 tempfails)", "decides what happens to mail that cannot be signed"),
        Error("OversignHeaders", OptionType.Dataset, null, "changes which headers signatures cover (oversigning protects From against additions)"),
        Error("PeerList", OptionType.Dataset, null, "mail from these clients would be signed or verified instead of passed untouched"),
        Warning("PidFile", OptionType.Text, null, "no PID file would be written; a systemd service does not need one"),
        Error("Quarantine", OptionType.Boolean, "no", "mail failing verification would be delivered instead of quarantined"),
        Warning("QueryCache", OptionType.Boolean, "no", "caching only; answers and results are the same"),
        Error("RedirectFailuresTo", OptionType.Text, null, "mail failing verification would be delivered to its recipients instead of redirected"),
        Error("RemoveARAll", OptionType.Boolean, "no", "changes which incoming Authentication-Results headers are removed"),
        Error("RemoveARFrom", OptionType.Dataset, "our own authserv-id", "changes which incoming Authentication-Results headers are removed"),
        Error("RemoveOldSignatures", OptionType.Boolean, "no", "existing DKIM-Signature headers would be kept when signing"),
        Error("ReplaceHeaders", OptionType.Dataset, "all headers", "part of ReplaceRules, which changes the header text that is signed"),
        Error("ReplaceRules", OptionType.Text, null, "changes the header text that is signed"),
        Warning("ReportAddress", OptionType.Text, "the running user at this host", "only used in failure reports, which are not sent"),
        Warning("ReportBccAddress", OptionType.Text, null, "only used in failure reports, which are not sent"),
        Warning("RequestReports", OptionType.Boolean, "no", "signatures would not ask for failure reports (r=y); signing is otherwise unchanged"),
        Error("RequiredHeaders", OptionType.Boolean, "no", "mail breaking RFC 5322 header counts would be processed instead of rejected"),
        Error("RequireSafeKeys", OptionType.Boolean, "yes", "keys readable or writable by other users would be used"),
        Error("ResolverConfiguration", OptionType.Text, null, "resolver (libunbound) settings such as forwarders and trust anchors would not apply, so key look-ups may give other answers"),
        Warning("ResolverTracing", OptionType.Boolean, "no", "resolver debugging output only"),
        Error("ScreenPolicyScript", OptionType.Text, null, "a Lua policy script that decides which signatures to ignore would not run"),
        Error("SelectCanonicalizationHeader", OptionType.Text, "X-Canonicalization", "messages carrying this header would be signed with the default canonicalization instead of the one it asks for"),
        Error("Selector", OptionType.Text, null, "the selector of the single signing key: without it mail would not be signed"),
        Error("SenderHeaders", OptionType.Dataset, "From", "changes which header names the sender, so which key signs"),
        Error("SenderMacro", OptionType.Text, null, "the sender would be taken from the From header instead of this MTA macro, so another key may sign"),
        Warning("SendReports", OptionType.Boolean, "no", "failure reports would not be sent; verification results are unchanged"),
        Error("SetupPolicyScript", OptionType.Text, null, "a Lua policy script that decides whether and how to sign would not run"),
        Error("SignatureAlgorithm", OptionType.SignatureAlgorithm, "rsa-sha256", "signatures would use another algorithm than configured"),
        Error("SignatureTTL", OptionType.Number, "0 (no expiry)", "signatures would lack the x= expiry tag"),
        Error("SignHeaders", OptionType.Dataset, "RFC 6376's recommended set", "changes which headers signatures cover"),
        Error("SigningTable", OptionType.Dataset, null, "decides which key signs which sender's mail"),
        Error("Socket", OptionType.Socket, "required", "where the MTA connects"),
        Error("SoftStart", OptionType.Boolean, "no", "with dsn: tables, the daemon would refuse to start while PostgreSQL is unreachable"),
        Warning("SoftwareHeader", OptionType.Boolean, "no", "no DKIM-Filter header would be added; signatures and results are unchanged"),
        Warning("Statistics", OptionType.Text, null, "statistics only"),
        Warning("StatisticsName", OptionType.Text, "the host name", "statistics only"),
        Warning("StatisticsPrefix", OptionType.Text, null, "statistics only"),
        Error("StrictHeaders", OptionType.Boolean, "no", "mail breaking RFC 5322 header counts would be verified instead of refused"),
        Warning("StrictTestMode", OptionType.Boolean, "no", "only affects OpenDKIM's -t test mode"),
        Error("SubDomains", OptionType.Boolean, "no", "decides whether subdomains of Domain entries are signed"),
        Warning("Syslog", OptionType.Boolean, "no", "logging only"),
        Warning("SyslogFacility", OptionType.Text, "mail", "logging only"),
        Warning("SyslogName", OptionType.Text, "the program name", "logging only"),
        Warning("SyslogSuccess", OptionType.Boolean, "no", "logging only"),
        Warning("TemporaryDirectory", OptionType.Text, "/tmp", "only used for KeepTemporaryFiles, which is not supported either"),
        Error("TestDNSData", OptionType.Dataset, null, "keys would come from DNS instead of this test data, so verification results differ"),
        Error("TestPublicKeys", OptionType.Text, null, "keys would come from DNS instead of this test file, so verification results differ"),
        Warning("TrustAnchorFile", OptionType.Text, null, "keys would be fetched without DNSSEC validation; results are the same, they are only not known to be secure"),
        Error("TrustSignaturesFrom", OptionType.Dataset, "every domain", "changes which third-party signatures are trusted"),
        Warning("UMask", OptionType.Number, "the process umask", "sets the socket's and PID file's permissions: check the MTA can still connect, or use systemd's UMask="),
        Error("UnprotectedKey", OptionType.KeyAction, "none", "changes the result of signatures whose key is not protected by DNSSEC"),
        Warning("UserID", OptionType.UserAndGroup, null, "the daemon would keep the user it was started as: set User= and Group= in the systemd unit instead"),
        Error("VBR-Certifiers", OptionType.Text, null, "signed mail would lack the VBR-Info header (RFC 5518) that is signed with it"),
        Error("VBR-PurgeFields", OptionType.Boolean, "no", "X-VBR-* headers would be left in signed mail"),
        Error("VBR-TrustedCertifiers", OptionType.Dataset, null, "changes VBR verification results"),
        Error("VBR-TrustedCertifiersOnly", OptionType.Boolean, "no", "changes VBR verification results"),
        Error("VBR-Type", OptionType.Text, null, "signed mail would lack the VBR-Info header (RFC 5518) that is signed with it"),
        Error("WeakSyntaxChecks", OptionType.Boolean, "no", "mail with syntax errors would fail instead of being verified anyway"),
        Warning("X-Header", OptionType.Boolean, "no", "old name of SoftwareHeader: no DKIM-Filter header; signatures and results are unchanged"),
    ];

    private static readonly Dictionary<string, OptionDefinition> ByName =
        Definitions.ToDictionary(definition => definition.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every option, alphabetically.</summary>
    public static IReadOnlyList<OptionDefinition> All => Definitions;

    /// <summary>The option called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static OptionDefinition? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByName.GetValueOrDefault(name);
    }

    private static OptionDefinition Error(string name, OptionType type, string? defaultValue, string why) =>
        new(name, type, defaultValue, IgnoredOptionSeverity.Error, why);

    private static OptionDefinition Warning(string name, OptionType type, string? defaultValue, string why) =>
        new(name, type, defaultValue, IgnoredOptionSeverity.Warning, why);
}
