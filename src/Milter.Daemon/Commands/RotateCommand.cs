using System.Globalization;
using Milter.Configuration;
using Milter.Configuration.Datasets;
using Milter.Configuration.Tables;
using Milter.Daemon.Dns;
using Milter.Daemon.Platform;
using Milter.Daemon.Startup;
using Milter.Dkim.Keys;

namespace Milter.Daemon.Commands;

/// <summary>
/// <c>dkim-milter rotate -d DOMAIN</c>: replaces a domain's signing key in three steps, each a run of the command,
/// so that no message is ever signed with a key receivers cannot find:
/// <list type="number">
/// <item>a new key (same type, RSA at least 2048 bits) under a new selector, beside the old key file, added to the
/// KeyTable but not to the SigningTable; the DNS record to publish is printed;</item>
/// <item>once the record is published and is the new key's (testkey's check), the SigningTable entries move to
/// the new key and the daemon is told to reload (SIGUSR1 to the PidFile's process); the old selector's record
/// must stay published for the grace period, for mail signed with it still in transit;</item>
/// <item><c>--retire</c>, after the grace period: the old key leaves the KeyTable, and the record to delete is named.</item>
/// </list>
/// The state between runs is a comment line in the KeyTable (<see cref="RotationTables"/>).
/// </summary>
/// <remarks>Exit status: 0 done; 75 not yet (record not published or not matching, grace period not over);
/// 1 nothing to rotate for the domain; 78 configuration or table problems; 64 usage; 73 key files not created.</remarks>
internal static class RotateCommand
{
    public const int NotYet = 75;

    private const int NothingToRotate = 1;
    private const int CannotCreate = 73;
    private const int SigUsr1 = 10;

    public const string Usage = """
        usage: dkim-milter rotate -d DOMAIN [-x configfile] [-k KEYNAME] [-s SELECTOR] [--grace DAYS] [--retire]
          -d DOMAIN     the domain whose signing key is replaced
          -x FILE       configuration file (default /etc/opendkim.conf); its KeyTable and SigningTable are edited
          -k KEYNAME    the KeyTable name of the key to replace, when DOMAIN signs with several
          -s SELECTOR   the new key's selector (default: today's date, yyyyMMdd)
          --grace DAYS  how long the old selector's record stays published after the switch (default 7)
          --retire      remove replaced keys whose grace period is over
        Run it once to create the key and see the record to publish, again once it is published to switch signing
        to it, and with --retire after the grace period. Exit status: 0 done, 75 not yet, 1 nothing to rotate,
        78 configuration problems, 64 usage.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        RotateOptions options;
        try
        {
            options = RotateOptions.Parse(args);
        }
        catch (FormatException ex)
        {
            error.WriteLine($"dkim-milter rotate: {ex.Message}");
            error.WriteLine(Usage);
            return ExitCodes.Usage;
        }

        if (options.Help)
        {
            output.WriteLine(Usage);
            return ExitCodes.Success;
        }

        string configPath = options.ConfigPath ?? CommandLine.DefaultConfigPath;
        ConfigFile config;
        KeyTable keyTable;
        RotationTables tables;
        try
        {
            config = ConfigFileParser.Load(configPath);
            var problems = new List<ConfigurationException>();
            keyTable = KeyTable.From(DatasetParser.Load(Required(config, "KeyTable")), problems);
            if (problems.Count > 0)
            {
                throw problems[0];
            }

            tables = RotationTables.Read(TableFile(config, "KeyTable"), TableFile(config, "SigningTable"));
        }
        catch (Exception ex) when (ex is ConfigurationException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"dkim-milter rotate: {configPath}: {ex.Message}");
            return ExitCodes.Config;
        }

        string domain = options.Domain!;
        bool OfDomain(string keyName) => keyTable.Find(keyName)?.Domain.Equals(domain, StringComparison.OrdinalIgnoreCase) == true
            && (options.KeyName is null || keyName.Equals(options.KeyName, StringComparison.OrdinalIgnoreCase));

        if (options.Retire)
        {
            return Retire(tables, keyTable, tables.Retired.Where(retired => OfDomain(retired.OldKey)).ToList(), now, output);
        }

        var pending = tables.Pending.Where(rotation => OfDomain(rotation.OldKey)).ToList();
        return pending.Count > 0
            ? await SwitchAsync(config, configPath, tables, keyTable, pending, options, now, output, error)
            : Start(tables, keyTable, domain, options, now, output, error);
    }

    /// <summary>Step 1: the new key, its KeyTable line and the record to publish.</summary>
    private static int Start(RotationTables tables, KeyTable keyTable, string domain, RotateOptions options, DateTimeOffset now, TextWriter output, TextWriter error)
    {
        var signingKeys = tables.SigningTableKeys();
        var current = keyTable.Entries
            .Where(entry => entry.Domain.Equals(domain, StringComparison.OrdinalIgnoreCase) && signingKeys.Contains(entry.Name))
            .Where(entry => options.KeyName is null || entry.Name.Equals(options.KeyName, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (current.Count == 0)
        {
            error.WriteLine($"dkim-milter rotate: no SigningTable entry of {tables.SigningTablePath} signs with a KeyTable key of {domain}{(options.KeyName is null ? "" : $" named {options.KeyName}")}: nothing to rotate");
            return NothingToRotate;
        }

        if (current.Count > 1)
        {
            error.WriteLine($"dkim-milter rotate: {domain} signs with {current.Count} keys ({string.Join(", ", current.Select(entry => entry.Name))}): give -k KEYNAME for the one to replace");
            return ExitCodes.Usage;
        }

        var old = current[0];
        if (old.KeyPath is null)
        {
            error.WriteLine($"dkim-milter rotate: {old.Name}'s key is inline at {old.Source}:{old.Line}; rotate writes key files: move the key to a file first");
            return ExitCodes.Config;
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(old.KeyPath))!;
        string selector = options.Selector ?? FreeSelector(now, domain, keyTable, directory);
        string newKey = $"{selector}._domainkey.{domain}";
        if (keyTable.Find(newKey) is not null)
        {
            error.WriteLine($"dkim-milter rotate: {newKey} is already in {tables.KeyTablePath}: give another -s SELECTOR");
            return ExitCodes.Usage;
        }

        GenkeyOptions genkey;
        try
        {
            using var oldKey = PrivateKeyLoader.LoadFile(old.KeyPath);
            genkey = oldKey is Ed25519PrivateKey
                ? new GenkeyOptions { KeyType = GeneratedKeyType.Ed25519, Domain = domain, DomainGiven = true, Selector = selector }
                : new GenkeyOptions { KeyType = GeneratedKeyType.Rsa, Bits = Math.Max(oldKey.KeyBits, PrivateKeyLoader.RecommendedRsaBits), Domain = domain, DomainGiven = true, Selector = selector };
        }
        catch (Exception ex) when (ex is KeyFormatException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"dkim-milter rotate: cannot read the current key {old.KeyPath}: {ex.Message}");
            return ExitCodes.Config;
        }

        string privatePath = Path.Combine(directory, selector + ".private");
        string txtPath = Path.Combine(directory, selector + ".txt");
        try
        {
            var (pem, publicKey) = GenkeyCommand.Generate(genkey.KeyType, genkey.EffectiveBits, privatePath);
            NewKeyFiles.Write(privatePath, pem, txtPath, KeyRecordZoneFile.Text(genkey, publicKey), force: false);
            CopyOwner(old.KeyPath, privatePath);
            tables.AddPending(newKey, old.Name, $"{domain}:{selector}:{privatePath}", now);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"dkim-milter rotate: {ex.Message}");
            return CannotCreate;
        }

        output.WriteLine($"new key for {domain}: selector {selector}, {privatePath} (replaces {old.Name}; added to {tables.KeyTablePath}, not signing yet)");
        output.WriteLine($"publish this record in the {domain} zone ({txtPath}):");
        output.Write(File.ReadAllText(txtPath));
        output.WriteLine($"then run: dkim-milter rotate -d {domain}{(options.ConfigPath is null ? "" : $" -x {options.ConfigPath}")} again; signing switches to {selector} once the record is published and matches the key");
        return ExitCodes.Success;
    }

    /// <summary>Step 2: the record checked; the SigningTable moved to the new key; the daemon told to reload.</summary>
    private static async Task<int> SwitchAsync(ConfigFile config, string configPath, RotationTables tables, KeyTable keyTable,
        List<PendingRotation> pending, RotateOptions options, DateTimeOffset now, TextWriter output, TextWriter error)
    {
        DnsKeyResolverSettings dnsSettings;
        try
        {
            dnsSettings = DnsKeyResolverSettings.FromConfiguration(config);
        }
        catch (Exception ex) when (ex is ConfigurationException or FormatException or OverflowException)
        {
            error.WriteLine($"dkim-milter rotate: {configPath}: {ex.Message}");
            return ExitCodes.Config;
        }

        using var resolver = new DnsKeyResolver(dnsSettings, TimeProvider.System);
        int status = ExitCodes.Success;
        foreach (var rotation in pending)
        {
            if (keyTable.Find(rotation.NewKey) is not { } entry)
            {
                error.WriteLine($"dkim-milter rotate: {tables.KeyTablePath} has the marker of {rotation.NewKey} but no such key: remove the marker line, then rotate again");
                status = ExitCodes.Config;
                continue;
            }

            var target = new TestkeyTarget(entry.Name, entry.Domain, entry.Selector, entry.KeyPath, entry.InlineKey, entry.KeyDescription);
            var outcome = await KeyPublicationCheck.RunAsync(target, resolver, CancellationToken.None);
            foreach (var finding in outcome.Findings.Where(finding => finding.Kind != FindingKind.Detail))
            {
                output.WriteLine(finding);
            }

            if (outcome.Status != KeyCheckStatus.Ok)
            {
                output.WriteLine($"not switched: signing stays with {rotation.OldKey} until {target.RecordName} is published with the new key (pending since {rotation.Since.UtcDateTime:u}); run dkim-milter rotate -d {entry.Domain} again then");
                string txt = Path.ChangeExtension(entry.KeyPath ?? "", ".txt");
                if (entry.KeyPath is not null && File.Exists(txt))
                {
                    output.Write(File.ReadAllText(txt));
                }

                status = Math.Max(status, NotYet);
                continue;
            }

            var keepUntil = now.AddDays(options.GraceDays);
            int moved = tables.Switch(rotation, keepUntil);
            string oldRecord = keyTable.Find(rotation.OldKey) is { } old ? $"{old.Selector}._domainkey.{old.Domain}" : rotation.OldKey;
            output.WriteLine($"switched: {moved} SigningTable entr{(moved == 1 ? "y" : "ies")} of {tables.SigningTablePath} now sign with {rotation.NewKey}");
            output.WriteLine($"keep the record at {oldRecord} published until {keepUntil.UtcDateTime:u} (mail signed with it may still be on its way); then run dkim-milter rotate -d {entry.Domain} --retire");
            output.WriteLine(Reload(config, configPath));
        }

        return status;
    }

    /// <summary>Step 3: replaced keys whose grace period is over leave the KeyTable.</summary>
    private static int Retire(RotationTables tables, KeyTable keyTable, List<RetiredKey> retired, DateTimeOffset now, TextWriter output)
    {
        if (retired.Count == 0)
        {
            output.WriteLine("nothing to retire");
            return ExitCodes.Success;
        }

        int status = ExitCodes.Success;
        var signingKeys = tables.SigningTableKeys();
        foreach (var key in retired)
        {
            if (key.KeepUntil > now)
            {
                output.WriteLine($"{key.OldKey}: its grace period runs until {key.KeepUntil.UtcDateTime:u}: not retired yet");
                status = NotYet;
                continue;
            }

            if (signingKeys.Contains(key.OldKey))
            {
                output.WriteLine($"{key.OldKey}: {tables.SigningTablePath} names it again: not retired");
                status = NotYet;
                continue;
            }

            var old = keyTable.Find(key.OldKey);
            tables.Remove(key);
            output.WriteLine($"retired {key.OldKey}: removed from {tables.KeyTablePath}");
            if (old is not null)
            {
                output.WriteLine($"delete the TXT record at {old.Selector}._domainkey.{old.Domain}{(old.KeyPath is null ? "" : $"; the key file {old.KeyPath} is no longer used")}");
            }
        }

        return status;
    }

    /// <summary>SIGUSR1 to the daemon named by PidFile (the reload Debian's unit sends), or what to run instead.</summary>
    private static string Reload(ConfigFile config, string configPath)
    {
        string? pidFile = config.GetString("PidFile");
        if (pidFile is not null && File.Exists(pidFile)
            && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            && Posix.Kill(pid, SigUsr1) == 0)
        {
            return $"dkim-milter (pid {pid.ToString(CultureInfo.InvariantCulture)}, {pidFile}) told to reload {configPath} (SIGUSR1)";
        }

        return $"reload the daemon now so that it signs with the new key: systemctl reload dkim-milter (no running daemon found through PidFile{(pidFile is null ? "" : $" {pidFile}")})";
    }

    /// <summary>Today's date as a selector (yyyyMMdd), with a letter added when the domain already has it or its files exist.</summary>
    private static string FreeSelector(DateTimeOffset now, string domain, KeyTable keyTable, string directory)
    {
        string date = now.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        foreach (string candidate in new[] { date }.Concat(Enumerable.Range('a', 26).Select(letter => date + (char)letter)))
        {
            bool taken = keyTable.Entries.Any(entry => entry.Domain.Equals(domain, StringComparison.OrdinalIgnoreCase) && entry.Selector.Equals(candidate, StringComparison.OrdinalIgnoreCase))
                || File.Exists(Path.Combine(directory, candidate + ".private")) || File.Exists(Path.Combine(directory, candidate + ".txt"));
            if (!taken)
            {
                return candidate;
            }
        }

        throw new IOException($"27 rotations of {domain} today already; give -s SELECTOR");
    }

    /// <summary>
    /// The new key file gets the old one's owner and group: a daemon that dropped its privileges reads the key as its
    /// own user when it reloads. (chown --reference: .NET has no stat() for the owner.)
    /// </summary>
    private static void CopyOwner(string from, string to)
    {
        if (Posix.GetEffectiveUserId() != 0)
        {
            return;
        }

        using var chown = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("chown", ["--reference", from, to]) { UseShellExecute = false })
            ?? throw new IOException("cannot run chown");
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            throw new IOException($"chown --reference {from} {to} failed (exit {chown.ExitCode.ToString(CultureInfo.InvariantCulture)}): give {to} the owner of {from}");
        }
    }

    private static ConfigEntry Required(ConfigFile config, string name) =>
        config.Find(name) ?? throw new ConfigurationException(config.Path, 0, $"no {name}: rotate edits the KeyTable and SigningTable files");

    /// <summary>The file behind a <c>file:</c>/<c>refile:</c>/path table setting; other kinds cannot be edited here.</summary>
    private static string TableFile(ConfigFile config, string name)
    {
        var entry = Required(config, name);
        return DatasetParser.FilePath(entry)
            ?? throw new ConfigurationException(entry.File, entry.Line, $"{name} {entry.Value} is not a file rotate can edit (file:, refile: or a path)");
    }
}
