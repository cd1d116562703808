using Milter.Configuration.Policy;

namespace Milter.IntegrationTests.Parity;

/// <summary>
/// An opendkim.conf for the parity run. <see cref="Text"/> and <see cref="Files"/> use two placeholders:
/// <c>{dir}</c> (the run's directory, where the files are written) and <c>{key}</c> (the private key, made with
/// openssl, mode 600). The runner appends the socket and the settings every parity configuration shares
/// (<see cref="OpenDkimProcess.CommonSettings"/>).
/// </summary>
public sealed record ParityConfig(string Name, string Text, IReadOnlyDictionary<string, string> Files);

/// <summary>
/// The parity table: configurations and the (config, sender, client, macros, recipients) cases put to both
/// OpenDKIM and <see cref="SigningPolicy"/>. The recorded outcome of each case is what Debian's OpenDKIM
/// 2.11.0~beta2 did when the case was written; see <see cref="OpenDkimParityRunner"/> for how it was observed.
/// </summary>
public static class ParityTable
{
    private const string Local = "127.0.0.1";
    private const string LocalHost = "localhost";
    private const string Remote = "192.0.2.1";
    private const string RemoteHost = "mx.remote.example";

    private const PolicyAction Sign = PolicyAction.Sign;
    private const PolicyAction Verify = PolicyAction.Verify;
    private const PolicyAction Nothing = PolicyAction.Nothing;

    // Every key name points at the same key file; the selectors tell the signatures apart.
    private const string RefileKeyTable = """
        kexample   example.com:sel-example:{key}
        kmulti1    %:sel-multi1:{key}
        kmulti2    %:sel-multi2:{key}
        kstar      %:sel-star:{key}
        """;

    private const string RefileSigningTable = """
        *@example.com      kexample
        *@multi.example    kmulti1
        *@multi.example    kmulti2
        *@exempt.example   kexample
        """;

    private const string FileKeyTable = """
        kalice      %:alice:{key}
        kdomain     %:domain:{key}
        kbobparent  %:bobparent:{key}
        kparent     %:parent:{key}
        kcarol      %:carol:{key}
        kstar       %:star:{key}
        """;

    // One entry for each step of OpenDKIM's look-up order for non-refile tables:
    // user@host, host, user@.parent, .parent (each parent, nearest first), user@*, *.
    private const string FileSigningTable = """
        alice@example.org   kalice
        example.org         kdomain
        bob@.example.net    kbobparent
        .example.net        kparent
        carol@*             kcarol
        *                   kstar
        """;

    private const string RefileTables = """
        KeyTable        file:{dir}/KeyTable
        SigningTable    refile:{dir}/SigningTable

        """;

    private static readonly Dictionary<string, string> RefileFiles = new()
    {
        ["KeyTable"] = RefileKeyTable,
        ["SigningTable"] = RefileSigningTable,
    };

    public static IReadOnlyList<ParityConfig> Configs { get; } =
    [
        new("refile", RefileTables, RefileFiles),
        new("file-table", """
            KeyTable        file:{dir}/KeyTable
            SigningTable    file:{dir}/SigningTable

            """, new Dictionary<string, string> { ["KeyTable"] = FileKeyTable, ["SigningTable"] = FileSigningTable }),
        new("file-table-multiple", """
            KeyTable            file:{dir}/KeyTable
            SigningTable        file:{dir}/SigningTable
            MultipleSignatures  yes

            """, new Dictionary<string, string> { ["KeyTable"] = FileKeyTable, ["SigningTable"] = FileSigningTable }),
        new("refile-multiple", """
            KeyTable            file:{dir}/KeyTable
            SigningTable        refile:{dir}/SigningTable
            MultipleSignatures  yes

            """, new Dictionary<string, string>
            {
                ["KeyTable"] = RefileKeyTable,
                ["SigningTable"] = """
                    *@multi.example    kmulti1
                    *@multi.example    kmulti2
                    *@example.com      kexample
                    *                  kstar
                    """,
            }),
        new("single-key", """
            Domain      example.com,example.org
            KeyFile     {key}
            Selector    single

            """, new Dictionary<string, string>()),
        new("single-key-subdomains", """
            Domain      csl:example.com,example.org
            KeyFile     {key}
            Selector    single
            SubDomains  yes

            """, new Dictionary<string, string>()),
        new("single-key-wildcard", """
            Domain      *
            KeyFile     {key}
            Selector    single

            """, new Dictionary<string, string>()),
        new("internal-hosts", RefileTables + """
            InternalHosts       file:{dir}/InternalHosts
            ExternalIgnoreList  csl:198.51.100.7
            PeerList            csl:203.0.113.0/24,peer.example

            """, new Dictionary<string, string>(RefileFiles)
            {
                ["InternalHosts"] = """
                    10.1.0.0/16
                    !10.1.2.3
                    relay.example.net
                    .corp.example
                    !bad.corp.example
                    """,
            }),
        new("macrolist", RefileTables + """
            MacroList   daemon_name=ORIGINATING|submission

            """, RefileFiles),
        new("macrolist-two-entries", RefileTables + """
            MacroList   csl:daemon_name=ORIGINATING,daemon_addr=10.0.0.25

            """, RefileFiles),
        new("mta", RefileTables + """
            MTA         file:{dir}/MtaNames

            """, new Dictionary<string, string>(RefileFiles) { ["MtaNames"] = "ORIGINATING\nmsa\n" }),
        new("mta-and-macrolist", RefileTables + """
            MTA         csl:msa
            MacroList   csl:daemon_name=ORIGINATING

            """, RefileFiles),
        new("mode-s", RefileTables + "Mode s\n", RefileFiles),
        new("mode-v", RefileTables + "Mode v\n", RefileFiles),
        new("exempt-dontsign", RefileTables + """
            ExemptDomains   csl:exempt.example
            DontSignMailTo  csl:nosign@receiver.example,receiver2.example

            """, RefileFiles),
    ];

    public static IReadOnlyList<ParityCase> Cases { get; } =
    [
        // KeyTable + refile: SigningTable, default InternalHosts (127.0.0.1, ::1), no other source of "local".
        new("refile: loopback IPv4 client", "refile", "a@example.com", LocalHost, Local, Sign),
        new("refile: loopback IPv6 client", "refile", "a@example.com", LocalHost, "::1", Sign),
        new("refile: external client", "refile", "a@example.com", RemoteHost, Remote, Verify),
        new("refile: external client calling itself localhost", "refile", "a@example.com", LocalHost, Remote, Verify)
        {
            Note = "the default InternalHosts has addresses only, no host names",
        },
        new ParityCase("refile: external client, SMTP AUTH", "refile", "a@example.com", RemoteHost, Remote, Sign).Authenticated(),
        new("refile: external client, {auth_type} only", "refile", "a@example.com", RemoteHost, Remote, Sign)
        {
            MailMacros = new Dictionary<string, string> { ["auth_type"] = "PLAIN" },
        },
        new("refile: external client, {auth_authen} only", "refile", "a@example.com", RemoteHost, Remote, Verify)
        {
            MailMacros = new Dictionary<string, string> { ["auth_authen"] = "alice" },
            Note = "OpenDKIM looks at {auth_type} only (mlfi_eoh); `dkim-milter explain --auth USER` sets {auth_authen} only",
        },
        new("refile: external client, empty {auth_type}", "refile", "a@example.com", RemoteHost, Remote, Verify)
        {
            MailMacros = new Dictionary<string, string> { ["auth_type"] = "" },
        },
        new("refile: *@example.com does not cover sub.example.com", "refile", "a@sub.example.com", LocalHost, Local, Verify),
        new("refile: sender in no table", "refile", "a@other.example", LocalHost, Local, Verify),
        new("refile: envelope sender ours, From not", "refile", "a@other.example", LocalHost, Local, Verify)
        {
            EnvelopeFrom = "a@example.com",
        },
        new("refile: From ours, envelope sender not", "refile", "a@example.com", LocalHost, Local, Sign)
        {
            EnvelopeFrom = "bounces@other.example",
        },
        new("refile: upper-case sender", "refile", "ALICE@EXAMPLE.COM", LocalHost, Local, Sign),
        new("refile: From with a display name", "refile", "alice@example.com", LocalHost, Local, Sign)
        {
            FromHeader = "Alice Example <alice@example.com>",
        },
        new("refile: two matches, no MultipleSignatures", "refile", "a@multi.example", LocalHost, Local, Sign),

        // KeyTable + file: SigningTable, each step of the look-up order.
        new("file: user@host", "file-table", "alice@example.org", LocalHost, Local, Sign),
        new("file: host", "file-table", "dave@example.org", LocalHost, Local, Sign),
        new("file: user@.parent", "file-table", "bob@mail.example.net", LocalHost, Local, Sign),
        new("file: .parent does not cover the parent itself", "file-table", "bob@example.net", LocalHost, Local, Sign),
        new("file: .parent two levels up", "file-table", "erin@a.b.example.net", LocalHost, Local, Sign),
        new("file: user@*", "file-table", "carol@elsewhere.example", LocalHost, Local, Sign),
        new("file: *", "file-table", "zed@elsewhere.example", LocalHost, Local, Sign),
        new("file: * from an external client", "file-table", "zed@elsewhere.example", RemoteHost, Remote, Verify),

        // MultipleSignatures.
        new("file, MultipleSignatures: three entries match", "file-table-multiple", "alice@example.org", LocalHost, Local, Sign)
        {
            Note = "alice@example.org, example.org and * match; OpenDKIM signs with the first and the last only (dkimf_add_signrequest never advances mctx_srtail, so each new request replaces the previous second one)",
            OpenDkimSignsFirstAndLastOnly = true,
        },
        new("file, MultipleSignatures: user@* and *", "file-table-multiple", "carol@elsewhere.example", LocalHost, Local, Sign),
        new("file, MultipleSignatures: * only", "file-table-multiple", "zed@elsewhere.example", LocalHost, Local, Sign),
        new("refile, MultipleSignatures: three lines match", "refile-multiple", "a@multi.example", LocalHost, Local, Sign)
        {
            Note = "lines 1, 2 and 4 match; OpenDKIM signs with the first and the last only (dkimf_add_signrequest never advances mctx_srtail)",
            OpenDkimSignsFirstAndLastOnly = true,
        },
        new("refile, MultipleSignatures: two lines match", "refile-multiple", "a@example.com", LocalHost, Local, Sign),
        new("refile, MultipleSignatures: external client", "refile-multiple", "a@multi.example", RemoteHost, Remote, Verify),

        // Single-key mode: Domain + KeyFile + Selector.
        new("single key: listed domain", "single-key", "a@example.com", LocalHost, Local, Sign),
        new("single key: second listed domain", "single-key", "a@example.org", LocalHost, Local, Sign),
        new("single key: subdomain without SubDomains", "single-key", "a@mail.example.com", LocalHost, Local, Verify),
        new("single key: external client", "single-key", "a@example.com", RemoteHost, Remote, Verify),
        new ParityCase("single key: external client, SMTP AUTH", "single-key", "a@example.org", RemoteHost, Remote, Sign).Authenticated(),
        new("single key, SubDomains: subdomain", "single-key-subdomains", "a@mail.example.com", LocalHost, Local, Sign),
        new("single key, SubDomains: two levels down", "single-key-subdomains", "a@x.mail.example.org", LocalHost, Local, Sign),
        new("single key, SubDomains: the domain itself", "single-key-subdomains", "a@example.com", LocalHost, Local, Sign),
        new("single key, SubDomains: unrelated domain", "single-key-subdomains", "a@example.net", LocalHost, Local, Verify),
        new("single key: Domain *", "single-key-wildcard", "a@anything.example", LocalHost, Local, Sign)
        {
            Note = "OpenDKIM looks up \"*\" in Domain as well as the sender's domain (\"for back-compatibility\")",
        },

        // InternalHosts (file: with CIDR, host, .domain, negations), ExternalIgnoreList, PeerList.
        new("InternalHosts: loopback no longer internal once InternalHosts is set", "internal-hosts", "a@example.com", LocalHost, Local, Verify),
        new("InternalHosts: CIDR", "internal-hosts", "a@example.com", "h.example", "10.1.5.5", Sign),
        new("InternalHosts: negated address inside the CIDR", "internal-hosts", "a@example.com", "h.example", "10.1.2.3", Verify),
        new("InternalHosts: host name", "internal-hosts", "a@example.com", "relay.example.net", "192.0.2.9", Sign),
        new("InternalHosts: .domain covers its hosts", "internal-hosts", "a@example.com", "mx.corp.example", "192.0.2.9", Sign),
        new("InternalHosts: .domain does not cover the domain itself", "internal-hosts", "a@example.com", "corp.example", "192.0.2.9", Verify),
        new("InternalHosts: negated host", "internal-hosts", "a@example.com", "bad.corp.example", "192.0.2.9", Verify),
        new("InternalHosts: negated host with an internal address", "internal-hosts", "a@example.com", "bad.corp.example", "10.1.9.9", Sign)
        {
            Note = "host name and address are checked separately; either matching makes the client internal",
        },
        new("InternalHosts: client without PTR", "internal-hosts", "a@example.com", "[192.0.2.9]", "192.0.2.9", Verify),
        new("ExternalIgnoreList: listed client sending as our domain", "internal-hosts", "a@example.com", "ignored.example", "198.51.100.7", Verify),
        new("PeerList: CIDR", "internal-hosts", "a@example.com", "x.example", "203.0.113.5", Nothing),
        new("PeerList: host name", "internal-hosts", "a@example.com", "peer.example", "192.0.2.77", Nothing),
        new("PeerList: wins over InternalHosts", "internal-hosts", "a@example.com", "peer.example", "10.1.5.5", Nothing),

        // MacroList.
        new("MacroList: daemon_name=ORIGINATING", "macrolist", "a@example.com", RemoteHost, Remote, Sign) { DaemonName = "ORIGINATING" },
        new("MacroList: second value", "macrolist", "a@example.com", RemoteHost, Remote, Sign) { DaemonName = "submission" },
        new("MacroList: other daemon", "macrolist", "a@example.com", RemoteHost, Remote, Verify),
        new("MacroList: value differs in case", "macrolist", "a@example.com", RemoteHost, Remote, Verify) { DaemonName = "originating" },
        new("MacroList: local but not ours", "macrolist", "a@other.example", RemoteHost, Remote, Verify) { DaemonName = "ORIGINATING" },
        new("MacroList, two entries: both match", "macrolist-two-entries", "a@example.com", RemoteHost, Remote, Sign)
        {
            DaemonName = "ORIGINATING",
            ConnectMacros = new Dictionary<string, string> { ["daemon_addr"] = "10.0.0.25" },
        },
        new("MacroList, two entries: second matches", "macrolist-two-entries", "a@example.com", RemoteHost, Remote, Sign)
        {
            ConnectMacros = new Dictionary<string, string> { ["daemon_addr"] = "10.0.0.25" },
        },
        new("MacroList, two entries: first matches, second set to another value", "macrolist-two-entries", "a@example.com", RemoteHost, Remote, Verify)
        {
            DaemonName = "ORIGINATING",
            ConnectMacros = new Dictionary<string, string> { ["daemon_addr"] = "192.0.2.25" },
            Note = "OpenDKIM's MacroList loop stores each set macro's result in the same flag: the last set macro decides",
        },

        // MTA.
        new("MTA: listed daemon", "mta", "a@example.com", RemoteHost, Remote, Sign) { DaemonName = "msa" },
        new("MTA: other listed daemon", "mta", "a@example.com", RemoteHost, Remote, Sign) { DaemonName = "ORIGINATING" },
        new("MTA: unlisted daemon", "mta", "a@example.com", RemoteHost, Remote, Verify),
        new("MTA: daemon name differs in case", "mta", "a@example.com", RemoteHost, Remote, Verify)
        {
            DaemonName = "MSA",
            Note = "OpenDKIM opens the MTA dataset without DKIMF_DB_FLAG_ICASE (unlike InternalHosts, PeerList, ExemptDomains...)",
        },
        new("MTA and MacroList: MTA matches, MacroList macro set to another value", "mta-and-macrolist", "a@example.com", RemoteHost, Remote, Verify)
        {
            DaemonName = "msa",
            Note = "MacroList is checked after MTA and overwrites its result when its macro is set",
        },
        new("MTA and MacroList: MacroList matches", "mta-and-macrolist", "a@example.com", RemoteHost, Remote, Sign) { DaemonName = "ORIGINATING" },

        // Mode.
        new("Mode s: local, ours", "mode-s", "a@example.com", LocalHost, Local, Sign),
        new("Mode s: local, not ours", "mode-s", "a@other.example", LocalHost, Local, Nothing),
        new("Mode s: external, ours", "mode-s", "a@example.com", RemoteHost, Remote, Nothing),
        new("Mode s: external, not ours", "mode-s", "a@other.example", RemoteHost, Remote, Nothing),
        new("Mode v: local, ours", "mode-v", "a@example.com", LocalHost, Local, Nothing),
        new("Mode v: external, ours", "mode-v", "a@example.com", RemoteHost, Remote, Verify),
        new("Mode v: local, not ours", "mode-v", "a@other.example", LocalHost, Local, Verify),

        // ExemptDomains, DontSignMailTo.
        new("ExemptDomains: local", "exempt-dontsign", "a@exempt.example", LocalHost, Local, Nothing),
        new("ExemptDomains: external", "exempt-dontsign", "a@exempt.example", RemoteHost, Remote, Nothing),
        new("ExemptDomains: domain in upper case", "exempt-dontsign", "a@EXEMPT.EXAMPLE", RemoteHost, Remote, Nothing),
        new("ExemptDomains: subdomain is not exempt", "exempt-dontsign", "a@sub.exempt.example", RemoteHost, Remote, Verify),
        new("DontSignMailTo: one of two recipients listed", "exempt-dontsign", "a@example.com", LocalHost, Local, Nothing)
        {
            Recipients = ["someone@receiver.example", "nosign@receiver.example"],
        },
        new("DontSignMailTo: recipient in another case", "exempt-dontsign", "a@example.com", LocalHost, Local, Nothing)
        {
            Recipients = ["NoSign@Receiver.Example"],
        },
        new("DontSignMailTo: a domain entry does not cover its addresses", "exempt-dontsign", "a@example.com", LocalHost, Local, Sign)
        {
            Recipients = ["someone@receiver2.example"],
        },
        new("DontSignMailTo: external client", "exempt-dontsign", "a@example.com", RemoteHost, Remote, Verify)
        {
            Recipients = ["nosign@receiver.example"],
        },
        new("DontSignMailTo: recipient not listed", "exempt-dontsign", "a@example.com", LocalHost, Local, Sign),
    ];

    /// <summary>The case called <paramref name="name"/>.</summary>
    public static ParityCase Case(string name) => Cases.Single(c => c.Name == name);

    /// <summary>Case names, for xunit theories (strings, so each case is its own test).</summary>
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var parityCase in Cases)
        {
            data.Add(parityCase.Name);
        }

        return data;
    }
}
