using System.Globalization;
using Milter.Configuration;
using Milter.Configuration.Tables;
using Milter.Daemon.Platform;

namespace Milter.Daemon.Commands;

/// <summary>
/// Rotation on KeyTable and SigningTable files: the edits and the state comments are <see cref="RotationTables"/>'s;
/// after a switch the daemon named by PidFile is told to reload (SIGUSR1), since files are read only at (re)load.
/// </summary>
internal sealed class FileRotationStore(ConfigFile config, string configPath, KeyTable keyTable, RotationTables tables) : IRotationStore
{
    private const int SigUsr1 = 10;

    private IReadOnlySet<string>? _signingKeys;

    public string KeyTableName => tables.KeyTablePath;

    public string SigningTableName => tables.SigningTablePath;

    /// <summary>False: rotate writes key files; an inline key in a KeyTable file is refused (move it to a file first).</summary>
    public bool StoresInlineKeys => false;

    // The SigningTable is read once per run (a switch changes it, and is the last thing a run does to it).
    private IReadOnlySet<string> SigningKeys => _signingKeys ??= tables.SigningTableKeys();

    public IReadOnlyList<PendingRotation> Pending() => tables.Pending;

    public IReadOnlyList<RetiredKey> Retired() => tables.Retired;

    public KeyTableEntry? FindKey(string name) => keyTable.Find(name);

    public IReadOnlyList<KeyTableEntry> SigningKeysOf(string domain) =>
        keyTable.Entries.Where(entry => entry.Domain.Equals(domain, StringComparison.OrdinalIgnoreCase) && SigningKeys.Contains(entry.Name)).ToList();

    public bool IsSigningKey(string name) => SigningKeys.Contains(name);

    public bool SelectorTaken(string domain, string selector) =>
        keyTable.Entries.Any(entry => entry.Domain.Equals(domain, StringComparison.OrdinalIgnoreCase) && entry.Selector.Equals(selector, StringComparison.OrdinalIgnoreCase));

    public void AddPending(PendingRotation rotation, string domain, string selector, string key)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        tables.AddPending(rotation.NewKey, rotation.OldKey, $"{domain}:{selector}:{key}", rotation.Since);
    }

    public int Switch(PendingRotation rotation, DateTimeOffset keepUntil)
    {
        _signingKeys = null;
        return tables.Switch(rotation, keepUntil);
    }

    public void Remove(RetiredKey retired) => tables.Remove(retired);

    /// <summary>SIGUSR1 to the daemon named by PidFile (the reload Debian's unit sends), or what to run instead.</summary>
    public string TellDaemons()
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

    public void Dispose()
    {
        // Files are read whole and replaced whole: nothing stays open.
    }
}
