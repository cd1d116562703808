using Milter.Configuration.Checks;
using Milter.Configuration.Datasets;
using Milter.Configuration.Macros;
using Milter.Configuration.Peers;
using Milter.Configuration.Tables;

namespace Milter.Configuration.Policy;

/// <summary>
/// The sign-or-verify decision as OpenDKIM makes it (opendkim.conf(5); OPENDKIM-REFERENCE "Sign or verify"),
/// in one place so that the milter and <c>dkim-milter explain</c> cannot disagree:
/// <list type="number">
/// <item>a client in PeerList is left alone;</item>
/// <item>a sender domain in ExemptDomains is left alone;</item>
/// <item>the message is local when the MTA's {daemon_name} is in MTA or the MacroList says so, else when the
/// client is in InternalHosts or the session authenticated ({auth_type});</item>
/// <item>the sender is ours when the SigningTable (with the KeyTable) or Domain (with KeyFile and Selector,
/// SubDomains for subdomains) gives a key;</item>
/// <item>local and ours: sign (unless Mode lacks s, or a recipient is in DontSignMailTo); otherwise verify
/// (unless Mode lacks v).</item>
/// </list>
/// One deliberate difference: with MultipleSignatures every matching SigningTable entry signs; OpenDKIM 2.11
/// signs with only the first and the last (dkimf_add_signrequest never advances its list tail).
/// </summary>
public sealed class SigningPolicy
{
    private SigningPolicy()
    {
    }

    /// <summary>Mode.</summary>
    public MilterMode Mode { get; private init; } = MilterMode.Sign | MilterMode.Verify;

    /// <summary>MultipleSignatures: every SigningTable match signs, not just the first.</summary>
    public bool MultipleSignatures { get; private init; }

    /// <summary>SubDomains: Domain entries cover their subdomains.</summary>
    public bool SubDomains { get; private init; }

    /// <summary>KeyTable, if configured.</summary>
    public KeyTable? KeyTable { get; private init; }

    /// <summary>SigningTable, if configured.</summary>
    public SigningTable? SigningTable { get; private init; }

    /// <summary>True when a table or peer list is in a database: a decision may then wait for it (a key not cached).</summary>
    public bool UsesDatabase => DatabaseTables.Count > 0;

    /// <summary>The database tables its decisions read (what a running configuration holds open, <see cref="Datasets.PostgreSql.PgsqlRegistry.Hold"/>).</summary>
    public IReadOnlyCollection<Datasets.PostgreSql.PgsqlTable> DatabaseTables { get; private init; } = [];

    /// <summary>Every key a decision can choose: the KeyTable's entries, or the single KeyFile.</summary>
    public IEnumerable<KeyTableEntry> AllKeys => KeyTable?.Entries ?? (SingleKey is null ? [] : [SingleKey]);

    private Dataset? Domains { get; init; }

    private KeyTableEntry? SingleKey { get; init; }

    private PeerList InternalHosts { get; init; } = null!;

    private PeerList? ExternalIgnoreList { get; init; }

    private PeerList? PeerList { get; init; }

    private MacroList? MacroList { get; init; }

    private Dataset? MtaNames { get; init; }

    private Dataset? ExemptDomains { get; init; }

    private Dataset? DontSignMailTo { get; init; }

    /// <summary>Builds the policy; problems (unreadable tables, bad values) go to <paramref name="diagnostics"/>.</summary>
    public static SigningPolicy From(ConfigFile config, ICollection<ConfigDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var problems = new List<ConfigurationException>();
        var databaseTables = new HashSet<Datasets.PostgreSql.PgsqlTable>();
        Dataset? Load(string name)
        {
            var dataset = Guard(() => config.Find(name) is { } entry ? DatasetParser.Load(entry) : null, problems);
            if (dataset?.Database is { } table)
            {
                databaseTables.Add(table);
            }

            return dataset;
        }

        var mode = MilterMode.Sign | MilterMode.Verify;
        if (config.Find("Mode") is { } modeEntry && !MilterModes.TryParse(modeEntry.Value, out mode))
        {
            problems.Add(new ConfigurationException(modeEntry.File, modeEntry.Line, "illegal value", $"Mode takes s, v or sv, not '{modeEntry.Value}'"));
            mode = MilterMode.Sign | MilterMode.Verify;
        }

        ConfigureDatabaseCache(config, problems);
        var keyTableData = Load("KeyTable");
        var keyTable = keyTableData is null ? null : KeyTable.From(keyTableData, problems);
        var signingTableData = Load("SigningTable");
        var domains = Load("Domain");
        bool softStart = Guard(() => config.GetBoolean("SoftStart", false), problems);
        ProbeDatabase(config.Find("KeyTable"), keyTableData, softStart, problems, diagnostics);
        ProbeDatabase(config.Find("SigningTable"), signingTableData, softStart, problems, diagnostics);
        foreach (string list in new[] { "InternalHosts", "ExternalIgnoreList", "PeerList" })
        {
            if (config.Find(list) is { } listSetting && listSetting.Value.StartsWith("dsn:", StringComparison.OrdinalIgnoreCase))
            {
                ProbeDatabase(listSetting, Load(list), softStart, problems, diagnostics);
            }
        }

        KeyTableEntry? singleKey = null;
        if (keyTable is null && config.Find("KeyFile") is { } keyFile && config.GetString("Selector") is { } selector)
        {
            // Single-key mode: d= is the Domain entry that matched (filled in at decision time).
            singleKey = new KeyTableEntry("(KeyFile)", "%", selector, keyFile.Value, null, keyFile.File, keyFile.Line);
        }

        var policy = new SigningPolicy
        {
            Mode = mode,
            DatabaseTables = databaseTables,
            MultipleSignatures = Guard(() => config.GetBoolean("MultipleSignatures", false), problems),
            SubDomains = Guard(() => config.GetBoolean("SubDomains", false), problems),
            KeyTable = keyTable,
            SigningTable = signingTableData is null ? null : SigningTable.From(signingTableData),
            Domains = domains,
            SingleKey = singleKey,
            InternalHosts = Guard(() => Load("InternalHosts") is { } d ? PeerListOf(d) : Peers.PeerList.DefaultInternalHosts, problems) ?? Peers.PeerList.DefaultInternalHosts,
            ExternalIgnoreList = Guard(() => Load("ExternalIgnoreList") is { } d ? PeerListOf(d) : null, problems),
            PeerList = Guard(() => Load("PeerList") is { } d ? PeerListOf(d) : null, problems),
            MacroList = Load("MacroList") is { } macros ? Guard(() => MacroListOf(macros), problems) : null,
            MtaNames = Load("MTA"),
            ExemptDomains = Load("ExemptDomains"),
            DontSignMailTo = Load("DontSignMailTo"),
        };
        foreach (var problem in problems)
        {
            diagnostics.Add(ConfigDiagnostic.From(problem));
        }

        return policy;
    }

    /// <summary>Decides what to do with one message, with every reason.</summary>
    public PolicyDecision Decide(MessageFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        try
        {
            return DecideWithTables(facts);
        }
        catch (DatasetUnavailableException ex)
        {
            // A peer list in a database that cannot answer for this client: whether it is local is unknown.
            return new PolicyDecision(PolicyAction.Unavailable, [], [$"a peer list cannot be read: {ex.Message}"]);
        }
    }

    private PolicyDecision DecideWithTables(MessageFacts facts)
    {
        var reasons = new List<string>();
        string client = facts.ClientAddress?.ToString() ?? facts.ClientHostname ?? "unknown client";

        if (PeerList is not null && PeerList.Contains(facts.ClientAddress, facts.ClientHostname))
        {
            reasons.Add($"client {client} is in PeerList: the milter ignores it");
            return new PolicyDecision(PolicyAction.Nothing, [], reasons);
        }

        string? senderDomain = facts.Sender is { } sender && sender.LastIndexOf('@') is int at and >= 0 ? sender[(at + 1)..] : null;
        if (senderDomain is not null && ExemptDomains is not null && ExemptDomains.Contains(senderDomain))
        {
            reasons.Add($"sender domain {senderDomain} is in ExemptDomains");
            return new PolicyDecision(PolicyAction.Nothing, [], reasons);
        }

        bool local = IsLocal(facts, client, reasons);
        List<SigningKeyChoice> keys = [];
        try
        {
            keys = facts.Sender is null ? [] : KeysFor(facts.Sender, senderDomain!, reasons);
        }
        catch (DatasetUnavailableException ex)
        {
            reasons.Add($"the tables cannot be read for {facts.Sender}: {ex.Message}");
            if (local)
            {
                // Whether to sign is unknown: never let such a message pass unsigned.
                return new PolicyDecision(PolicyAction.Unavailable, [], reasons);
            }
        }

        if (facts.Sender is null)
        {
            reasons.Add("the message has no sender header (From) to sign for");
        }

        if (local && keys.Count > 0)
        {
            if (!Mode.HasFlag(MilterMode.Sign))
            {
                reasons.Add("Mode does not include s (sign)");
                return new PolicyDecision(PolicyAction.Nothing, [], reasons);
            }

            if (DontSignMailTo is not null && facts.Recipients.FirstOrDefault(r => DontSignMailTo.Contains(r.Trim('<', '>'))) is { } recipient)
            {
                reasons.Add($"recipient {recipient} is in DontSignMailTo");
                return new PolicyDecision(PolicyAction.Nothing, [], reasons);
            }

            return new PolicyDecision(PolicyAction.Sign, keys, reasons);
        }

        bool foreignSender = false;
        if (keys.Count > 0 && !local)
        {
            bool ignored = ExternalIgnoreList is not null && IsIgnoredExternal(facts);
            reasons.Add(ignored
                ? $"client {client} is not internal but is in ExternalIgnoreList: not signed, no warning"
                : $"external host {client} attempted to send as {senderDomain}");
            foreignSender = !ignored;
        }

        if (!Mode.HasFlag(MilterMode.Verify))
        {
            reasons.Add("Mode does not include v (verify)");
            return new PolicyDecision(PolicyAction.Nothing, [], reasons) { ExternalSenderOfOurDomain = foreignSender };
        }

        return new PolicyDecision(PolicyAction.Verify, [], reasons) { ExternalSenderOfOurDomain = foreignSender };
    }

    /// <summary>
    /// OpenDKIM's order, checked against it: an MTA match ({daemon_name} in MTA, compared case-sensitively, as
    /// OpenDKIM opens that list without its case-insensitive flag); then every MacroList entry whose macro is set
    /// overwrites the verdict with its own (so the last set macro decides, and can cancel an MTA match); if still
    /// not local, InternalHosts, then a non-empty {auth_type} (OpenDKIM ignores {auth_authen}).
    /// </summary>
    private bool IsLocal(MessageFacts facts, string client, List<string> reasons)
    {
        bool local = false;
        string? why = null;
        if (MtaNames is not null && facts.Macro("daemon_name") is { } daemon && MtaNames.Keys.Contains(daemon, StringComparer.Ordinal))
        {
            local = true;
            why = $"MTA daemon {daemon} is listed in MTA";
        }

        foreach (var condition in MacroList?.Conditions ?? [])
        {
            if (facts.Macro(condition.Name) is { } value)
            {
                local = condition.IsMetBy(value);
                why = local
                    ? $"macro {condition.Name}={value} matches MacroList ({condition.Source}:{condition.Line})"
                    : $"macro {condition.Name}={value} does not match MacroList ({condition.Source}:{condition.Line})";
            }
        }

        if (why is not null)
        {
            reasons.Add(why);
        }

        if (local)
        {
            return true;
        }

        if (InternalHosts.Contains(facts.ClientAddress, facts.ClientHostname))
        {
            reasons.Add($"client {client} is in InternalHosts");
            return true;
        }

        if (facts.Macro("auth_type") is { Length: > 0 } mechanism)
        {
            reasons.Add($"the SMTP session is authenticated ({mechanism})");
            return true;
        }

        reasons.Add($"client {client} is not internal (not in InternalHosts, no MTA/MacroList match, not authenticated)");
        return false;
    }

    private List<SigningKeyChoice> KeysFor(string sender, string senderDomain, List<string> reasons)
    {
        var keys = new List<SigningKeyChoice>();
        if (SigningTable is not null && KeyTable is not null)
        {
            foreach (var match in SigningTable.Match(sender))
            {
                if (KeyTable.Find(match.KeyName) is not { } key)
                {
                    // Start-up checks refuse this in files; a database can change under us. OpenDKIM tempfails such
                    // mail, and so do we: a message the tables mean to sign never leaves unsigned by our mistake.
                    throw new DatasetUnavailableException($"SigningTable entry '{match.Pattern}' ({match.Where}) matches {sender} but names key '{match.KeyName}', which is not in the KeyTable");
                }

                keys.Add(new SigningKeyChoice(key, key.DomainFor(senderDomain), match.Signer));
                reasons.Add($"SigningTable {match.Where} ('{match.Pattern}') matches {sender}: key {key.Name} (d={key.DomainFor(senderDomain)}, s={key.Selector})");
                if (!MultipleSignatures)
                {
                    break;
                }
            }

            if (keys.Count == 0)
            {
                reasons.Add($"no signing table match for '{sender}'");
            }
        }
        else if (SingleKey is not null && Domains is not null)
        {
            string? domain = CandidateDomains(senderDomain).FirstOrDefault(Domains.Contains);
            if (domain is not null)
            {
                // "Domain *" covers every domain; d= is then the sender's.
                keys.Add(new SigningKeyChoice(SingleKey, domain == "*" ? senderDomain : domain, null));
                reasons.Add($"sender domain {senderDomain} is covered by Domain {domain}: KeyFile {SingleKey.KeyPath} (s={SingleKey.Selector})");
            }
            else
            {
                reasons.Add($"sender domain {senderDomain} is not in Domain");
            }
        }
        else
        {
            reasons.Add("no signing key is configured (neither KeyTable with SigningTable nor Domain with KeyFile and Selector)");
        }

        return keys;
    }

    private IEnumerable<string> CandidateDomains(string domain)
    {
        yield return domain;
        if (SubDomains)
        {
            for (int dot = domain.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = domain.IndexOf('.', dot + 1))
            {
                yield return domain[(dot + 1)..];
            }
        }

        yield return "*";
    }

    /// <summary>ExternalIgnoreList only silences a warning: a database list that cannot answer now does not stop the message.</summary>
    private bool IsIgnoredExternal(MessageFacts facts)
    {
        try
        {
            return ExternalIgnoreList!.Contains(facts.ClientAddress, facts.ClientHostname);
        }
        catch (DatasetUnavailableException)
        {
            return false;
        }
    }

    /// <summary>DatabaseCacheSize and DatabaseCacheTTL, dkim-milter's own: the bound and the TTL of dsn: table caches.</summary>
    private static void ConfigureDatabaseCache(ConfigFile config, List<ConfigurationException> problems)
    {
        long size = Guard(() => config.GetInteger("DatabaseCacheSize", 100_000), problems);
        long ttl = Guard(() => config.GetInteger("DatabaseCacheTTL", 300), problems);
        if (config.Find("DatabaseCacheSize") is { } sizeEntry && size is < 1 or > 100_000_000)
        {
            problems.Add(new ConfigurationException(sizeEntry.File, sizeEntry.Line, "DatabaseCacheSize must be between 1 and 100000000 entries"));
            return;
        }

        if (config.Find("DatabaseCacheTTL") is { } ttlEntry && ttl is < 1 or > 86_400)
        {
            problems.Add(new ConfigurationException(ttlEntry.File, ttlEntry.Line, "DatabaseCacheTTL must be between 1 and 86400 seconds"));
            return;
        }

        bool usesDatabase = config.Find("DatabaseCacheSize") is not null || config.Find("DatabaseCacheTTL") is not null
            || config.Entries.Values.Any(entry => entry.Value.StartsWith("dsn:", StringComparison.OrdinalIgnoreCase));
        if (!usesDatabase)
        {
            // No database table and no cache option: the (process-wide) caches are none of this configuration's business.
            return;
        }

        Datasets.PostgreSql.PgsqlServer.CacheSize = (int)size;
        Datasets.PostgreSql.PgsqlServer.CacheTtl = TimeSpan.FromSeconds(ttl);
    }

    /// <summary>
    /// A database table must exist with its columns; a server that cannot be reached stops the start (and a reload)
    /// unless SoftStart is set, OpenDKIM's option for exactly this: then cached look-ups serve and others tempfail.
    /// </summary>
    private static void ProbeDatabase(ConfigEntry? setting, Dataset? dataset, bool softStart, List<ConfigurationException> problems, ICollection<ConfigDiagnostic> diagnostics)
    {
        if (setting is null || dataset?.Database is not { } table || table.Probe() is not { } failure)
        {
            return;
        }

        if (!failure.IsOutage)
        {
            problems.Add(new ConfigurationException(setting.File, setting.Line, $"{setting.Name}: {table.Dsn.Location}: {failure.Reason}", "check the table= keycol= and datacol= names"));
        }
        else if (softStart)
        {
            diagnostics.Add(new ConfigDiagnostic(false, setting.File, setting.Line, $"{setting.Name}: {table.Server.Name} unreachable ({failure.Reason}); SoftStart yes: starting without it",
                "messages whose sender is not cached get On-InternalError until the database is back"));
        }
        else
        {
            problems.Add(new ConfigurationException(setting.File, setting.Line, $"{setting.Name}: {table.Server.Name} unreachable ({failure.Reason})",
                "start PostgreSQL or fix the dsn; SoftStart yes starts without it"));
        }
    }

    private static PeerList PeerListOf(Dataset dataset) => Peers.PeerList.From(dataset);

    private static MacroList MacroListOf(Dataset dataset) => Macros.MacroList.From(dataset);

    private static T Guard<T>(Func<T> read, List<ConfigurationException> problems)
    {
        try
        {
            return read();
        }
        catch (ConfigurationException ex)
        {
            problems.Add(ex);
            return default!;
        }
    }
}
