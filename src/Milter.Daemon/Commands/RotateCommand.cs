using System.Globalization;
using Milter.Configuration;
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
/// <item>a new key (same type, RSA at least 2048 bits) under a new selector, beside the old key file (or, in a
/// database KeyTable, inline where the old key is inline), added to the KeyTable but not to the SigningTable; the DNS
/// record to publish is printed;</item>
/// <item>once the record is published and is the new key's (testkey's check), the SigningTable entries move to
/// the new key and the daemons are told (files: SIGUSR1 to the PidFile's process; database: NOTIFY); the old
/// selector's record must stay published for the grace period, for mail signed with it still in transit;</item>
/// <item><c>--retire</c>, after the grace period: the old key leaves the KeyTable, and the record to delete is named.</item>
/// </list>
/// The steps are decided here; the tables and the state between runs are an <see cref="IRotationStore"/>'s: files
/// (<see cref="FileRotationStore"/>, state in KeyTable comments) or PostgreSQL (<see cref="DatabaseRotationStore"/>,
/// state in a table).
/// </summary>
/// <remarks>Exit status: 0 done; 75 not yet (record not published or not matching, grace period not over);
/// 1 nothing to rotate for the domain; 78 configuration or table problems; 64 usage; 73 key files not created;
/// 69 database unreachable.</remarks>
internal static class RotateCommand
{
    public const int NotYet = 75;

    private const int NothingToRotate = 1;
    private const int CannotCreate = 73;

    public const string Usage = """
        usage: dkim-milter rotate -d DOMAIN [-x configfile] [-k KEYNAME] [-s SELECTOR] [--grace DAYS] [--retire]
          -d DOMAIN     the domain whose signing key is replaced
          -x FILE       configuration file (default /etc/opendkim.conf); its KeyTable and SigningTable (files, or
                        dsn:pgsql:// tables of one database) are edited
          -k KEYNAME    the KeyTable name of the key to replace, when DOMAIN signs with several
          -s SELECTOR   the new key's selector (default: today's date, yyyyMMdd)
          --grace DAYS  how long the old selector's record stays published after the switch (default 7)
          --retire      remove replaced keys whose grace period is over
        Run it once to create the key and see the record to publish, again once it is published to switch signing
        to it, and with --retire after the grace period. Exit status: 0 done, 75 not yet, 1 nothing to rotate,
        78 configuration problems, 64 usage, 69 database unreachable.
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
        IRotationStore store;
        try
        {
            config = ConfigFileParser.Load(configPath);
            store = RotationStoreFactory.Open(config, configPath);
        }
        catch (ConfigurationException ex)
        {
            // Its message starts with the file and line.
            error.WriteLine($"dkim-milter rotate: {ex.Message}");
            return ExitCodes.Config;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"dkim-milter rotate: {configPath}: {ex.Message}");
            return ExitCodes.Config;
        }
        catch (RotationStoreException ex)
        {
            error.WriteLine($"dkim-milter rotate: {ex.Message}");
            return ex.ExitCode;
        }

        using (store)
        {
            try
            {
                return await RunStepAsync(store, config, configPath, options, now, output, error);
            }
            catch (RotationStoreException ex)
            {
                error.WriteLine($"dkim-milter rotate: {ex.Message}");
                return ex.ExitCode;
            }
        }
    }

    /// <summary>The step the state calls for: retire (asked), switch (a rotation pending), or start one.</summary>
    private static async Task<int> RunStepAsync(IRotationStore store, ConfigFile config, string configPath, RotateOptions options,
        DateTimeOffset now, TextWriter output, TextWriter error)
    {
        string domain = options.Domain!;
        bool OfDomain(string keyName) => store.FindKey(keyName)?.Domain.Equals(domain, StringComparison.OrdinalIgnoreCase) == true
            && (options.KeyName is null || keyName.Equals(options.KeyName, StringComparison.OrdinalIgnoreCase));

        if (options.Retire)
        {
            return Retire(store, store.Retired().Where(retired => OfDomain(retired.OldKey)).ToList(), now, output);
        }

        var pending = store.Pending().Where(rotation => OfDomain(rotation.OldKey)).ToList();
        return pending.Count > 0
            ? await SwitchAsync(config, configPath, store, pending, options, now, output, error)
            : Start(store, domain, options, now, output, error);
    }

    /// <summary>Step 1: the new key (a file beside the old one's, or inline where the old one is), its KeyTable entry and the record to publish.</summary>
    private static int Start(IRotationStore store, string domain, RotateOptions options, DateTimeOffset now, TextWriter output, TextWriter error)
    {
        var current = store.SigningKeysOf(domain)
            .Where(entry => options.KeyName is null || entry.Name.Equals(options.KeyName, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (current.Count == 0)
        {
            error.WriteLine($"dkim-milter rotate: no SigningTable entry of {store.SigningTableName} signs with a KeyTable key of {domain}{(options.KeyName is null ? "" : $" named {options.KeyName}")}: nothing to rotate");
            return NothingToRotate;
        }

        if (current.Count > 1)
        {
            error.WriteLine($"dkim-milter rotate: {domain} signs with {current.Count} keys ({string.Join(", ", current.Select(entry => entry.Name))}): give -k KEYNAME for the one to replace");
            return ExitCodes.Usage;
        }

        var old = current[0];
        if (old.KeyPath is null && !store.StoresInlineKeys)
        {
            error.WriteLine($"dkim-milter rotate: {old.Name}'s key is inline at {old.Source}:{old.Line}; rotate writes key files: move the key to a file first");
            return ExitCodes.Config;
        }

        string? directory = old.KeyPath is null ? null : Path.GetDirectoryName(Path.GetFullPath(old.KeyPath))!;
        string selector = options.Selector ?? FreeSelector(now, domain, store, directory);
        string newKey = $"{selector}._domainkey.{domain}";
        if (store.FindKey(newKey) is not null)
        {
            error.WriteLine($"dkim-milter rotate: {newKey} is already in {store.KeyTableName}: give another -s SELECTOR");
            return ExitCodes.Usage;
        }

        GenkeyOptions genkey;
        try
        {
            using var oldKey = LoadKey(old);
            genkey = RecordOptions(oldKey, domain, selector);
        }
        catch (Exception ex) when (ex is KeyFormatException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"dkim-milter rotate: cannot read the current key {old.KeyDescription}: {ex.Message}");
            return ExitCodes.Config;
        }

        var rotation = new PendingRotation(newKey, old.Name, now);
        string record;
        string where;
        if (directory is null)
        {
            // The old key lives in its row: so does the new one, in the same form (PEM, or base64 of the DER).
            var (pem, publicKey) = GenkeyCommand.Generate(genkey.KeyType, genkey.EffectiveBits, $"KeyTable entry '{newKey}'");
            record = KeyRecordZoneFile.Text(genkey, publicKey);
            store.AddPending(rotation, domain, selector, old.InlineKey!.Contains("-----BEGIN", StringComparison.Ordinal) ? pem.Trim() : PemBody(pem));
            where = "kept in its KeyTable entry as the old key is";
        }
        else
        {
            string privatePath = Path.Combine(directory, selector + ".private");
            string txtPath = Path.Combine(directory, selector + ".txt");
            try
            {
                var (pem, publicKey) = GenkeyCommand.Generate(genkey.KeyType, genkey.EffectiveBits, privatePath);
                record = KeyRecordZoneFile.Text(genkey, publicKey);
                NewKeyFiles.Write(privatePath, pem, txtPath, record, force: false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"dkim-milter rotate: {ex.Message}");
                return CannotCreate;
            }

            try
            {
                CopyOwner(old.KeyPath!, privatePath);
                store.AddPending(rotation, domain, selector, privatePath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or RotationStoreException)
            {
                // A key file no KeyTable names would only make the next run pick another selector.
                File.Delete(privatePath);
                File.Delete(txtPath);
                if (ex is RotationStoreException)
                {
                    throw;
                }

                error.WriteLine($"dkim-milter rotate: {ex.Message}");
                return CannotCreate;
            }

            where = privatePath;
        }

        output.WriteLine($"new key for {domain}: selector {selector}, {where} (replaces {old.Name}; added to {store.KeyTableName}, not signing yet)");
        if (directory is not null && store.StoresInlineKeys)
        {
            output.WriteLine($"copy {where} to every host whose daemon reads {store.KeyTableName} before the switch: they will all sign with it");
        }

        output.WriteLine($"publish this record in the {domain} zone{(directory is null ? "" : $" ({Path.Combine(directory, selector + ".txt")})")}:");
        output.Write(record);
        output.WriteLine($"then run: dkim-milter rotate -d {domain}{(options.ConfigPath is null ? "" : $" -x {options.ConfigPath}")} again; signing switches to {selector} once the record is published and matches the key");
        return ExitCodes.Success;
    }

    /// <summary>Step 2: the record checked; the SigningTable moved to the new key; the daemons told.</summary>
    private static async Task<int> SwitchAsync(ConfigFile config, string configPath, IRotationStore store,
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
            if (store.FindKey(rotation.NewKey) is not { } entry)
            {
                error.WriteLine($"dkim-milter rotate: {store.KeyTableName} has the rotation state of {rotation.NewKey} but no such key: remove the state (the marker line, or its {DatabaseRotationStore.StateTableName} row), then rotate again");
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
                if (RecordToPublish(entry) is { } record)
                {
                    output.Write(record);
                }

                status = Math.Max(status, NotYet);
                continue;
            }

            var keepUntil = now.AddDays(options.GraceDays);
            int moved = store.Switch(rotation, keepUntil);
            string oldRecord = store.FindKey(rotation.OldKey) is { } old ? $"{old.Selector}._domainkey.{old.Domain}" : rotation.OldKey;
            output.WriteLine($"switched: {moved} SigningTable entr{(moved == 1 ? "y" : "ies")} of {store.SigningTableName} now sign with {rotation.NewKey}");
            output.WriteLine($"keep the record at {oldRecord} published until {keepUntil.UtcDateTime:u} (mail signed with it may still be on its way); then run dkim-milter rotate -d {entry.Domain} --retire");
            output.WriteLine(store.TellDaemons());
        }

        return status;
    }

    /// <summary>Step 3: replaced keys whose grace period is over leave the KeyTable.</summary>
    private static int Retire(IRotationStore store, List<RetiredKey> retired, DateTimeOffset now, TextWriter output)
    {
        if (retired.Count == 0)
        {
            output.WriteLine("nothing to retire");
            return ExitCodes.Success;
        }

        int status = ExitCodes.Success;
        foreach (var key in retired)
        {
            if (key.KeepUntil > now)
            {
                output.WriteLine($"{key.OldKey}: its grace period runs until {key.KeepUntil.UtcDateTime:u}: not retired yet");
                status = NotYet;
                continue;
            }

            if (store.IsSigningKey(key.OldKey))
            {
                output.WriteLine($"{key.OldKey}: {store.SigningTableName} names it again: not retired");
                status = NotYet;
                continue;
            }

            var old = store.FindKey(key.OldKey);
            store.Remove(key);
            output.WriteLine($"retired {key.OldKey}: removed from {store.KeyTableName}");
            if (old is not null)
            {
                output.WriteLine($"delete the TXT record at {old.Selector}._domainkey.{old.Domain}{(old.KeyPath is null ? "" : $"; the key file {old.KeyPath} is no longer used")}");
            }
        }

        return status;
    }

    /// <summary>
    /// The zone-file record of a pending key: its SELECTOR.txt beside a key file, else made from the key itself
    /// (an inline key has no file); null when the key cannot be read (the check above said why).
    /// </summary>
    private static string? RecordToPublish(KeyTableEntry entry)
    {
        if (entry.KeyPath is { } path && File.Exists(Path.ChangeExtension(path, ".txt")))
        {
            return File.ReadAllText(Path.ChangeExtension(path, ".txt"));
        }

        try
        {
            using var key = LoadKey(entry);
            return KeyRecordZoneFile.Text(RecordOptions(key, entry.Domain, entry.Selector), key.PublicKey.ToRecordValue());
        }
        catch (Exception ex) when (ex is KeyFormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static DkimPrivateKey LoadKey(KeyTableEntry entry) =>
        entry.KeyPath is { } path ? PrivateKeyLoader.LoadFile(path) : PrivateKeyLoader.Parse(entry.InlineKey!, entry.KeyDescription);

    /// <summary>A key like <paramref name="key"/> (same type; RSA at least 2048 bits), and its record's layout.</summary>
    private static GenkeyOptions RecordOptions(DkimPrivateKey key, string domain, string selector) =>
        key is Ed25519PrivateKey
            ? new GenkeyOptions { KeyType = GeneratedKeyType.Ed25519, Domain = domain, DomainGiven = true, Selector = selector }
            : new GenkeyOptions { KeyType = GeneratedKeyType.Rsa, Bits = Math.Max(key.KeyBits, PrivateKeyLoader.RecommendedRsaBits), Domain = domain, DomainGiven = true, Selector = selector };

    /// <summary>The base64 between a PEM's BEGIN and END lines, on one line (the DER, as an inline key without PEM armour holds it).</summary>
    private static string PemBody(string pem) =>
        string.Concat(pem.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith("-----", StringComparison.Ordinal)));

    /// <summary>Today's date as a selector (yyyyMMdd), with a letter added when the domain already has it or its files exist.</summary>
    private static string FreeSelector(DateTimeOffset now, string domain, IRotationStore store, string? directory)
    {
        string date = now.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        foreach (string candidate in new[] { date }.Concat(Enumerable.Range('a', 26).Select(letter => date + (char)letter)))
        {
            bool taken = store.SelectorTaken(domain, candidate)
                || (directory is not null && (File.Exists(Path.Combine(directory, candidate + ".private")) || File.Exists(Path.Combine(directory, candidate + ".txt"))));
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
}
