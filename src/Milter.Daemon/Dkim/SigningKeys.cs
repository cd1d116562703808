using System.Collections.Concurrent;
using Milter.Configuration.Tables;
using Milter.Dkim.Keys;

namespace Milter.Daemon.Dkim;

/// <summary>
/// The private keys of the KeyTable (or the single KeyFile), loaded once at start-up and shared by every session:
/// reading and parsing a key per message would cost more than signing with it. A key that cannot be loaded is
/// remembered with the reason, so the message that needs it gets On-SignatureError and a log line naming the key,
/// not a crash (start-up checks normally refuse such a configuration before this point).
/// </summary>
internal sealed class SigningKeys : IDisposable
{
    /// <summary>Keys of database KeyTable rows loaded so far (older rows' keys are let go past this many).</summary>
    private const int MaximumLoadedOnDemand = 100_000;

    private readonly Dictionary<KeyTableEntry, (DkimPrivateKey? Key, string? Error)> _keys = [];
    /// <summary>
    /// By reference: a database KeyTable hands out one entry object per row value (see KeyTable.Find), and comparing
    /// records would hash the whole inline key on every message.
    /// </summary>
    private readonly ConcurrentDictionary<KeyTableEntry, (DkimPrivateKey? Key, string? Error)> _onDemand = new(ReferenceEqualityComparer.Instance);

    // Keys by where they come from (a file as it is now, or the key text itself): a hosting provider's KeyTable often
    // names one key file for many domains, and one loaded copy serves them all, at start-up and on demand alike.
    private readonly ConcurrentDictionary<string, (DkimPrivateKey? Key, string? Error)> _byMaterial = new(StringComparer.Ordinal);
    private readonly HashSet<string> _startUpMaterials = new(StringComparer.Ordinal);

    public SigningKeys(IEnumerable<KeyTableEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
        {
            if (!_keys.ContainsKey(entry))
            {
                string material = MaterialOf(entry);
                _startUpMaterials.Add(material);
                _keys.Add(entry, _byMaterial.GetOrAdd(material, _ => Load(entry)));
            }
        }
    }

    private static string MaterialOf(KeyTableEntry entry)
    {
        if (entry.KeyPath is not { } path)
        {
            return "inline:" + entry.InlineKey;
        }

        // A key file rewritten in place (a new key under the old name, a changed row naming it) is read again: its
        // size and modification time are part of the name.
        var file = new FileInfo(path);
        return file.Exists ? $"file:{file.Length}:{file.LastWriteTimeUtc.Ticks}:{path}" : "file:" + path;
    }

    private static (DkimPrivateKey? Key, string? Error) Load(KeyTableEntry entry)
    {
        try
        {
            return (entry.KeyPath is { } path ? PrivateKeyLoader.LoadFile(path) : PrivateKeyLoader.Parse(entry.InlineKey!, entry.KeyDescription), null);
        }
        catch (Exception ex) when (ex is KeyFormatException or IOException or UnauthorizedAccessException)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>The loaded key for <paramref name="entry"/>, or null with why it is unusable.</summary>
    public DkimPrivateKey? Find(KeyTableEntry entry, out string? error)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_keys.TryGetValue(entry, out var loaded))
        {
            error = loaded.Error;
            return loaded.Key;
        }

        if (!entry.IsDatabaseRow)
        {
            error = "the key was not loaded at start-up";
            return null;
        }

        // A row of a database KeyTable: loaded the first time a message needs it (a rotated key is a changed row, so
        // a new entry), then kept. Keys let go are not disposed: a message may still be signing with one.
        if (!_onDemand.TryGetValue(entry, out var onDemand))
        {
            if (_onDemand.Count >= MaximumLoadedOnDemand || _byMaterial.Count >= _keys.Count + MaximumLoadedOnDemand)
            {
                _onDemand.Clear();
                foreach (var material in _byMaterial.Keys.Where(material => !_startUpMaterials.Contains(material)))
                {
                    _byMaterial.TryRemove(material, out _);
                }
            }

            onDemand = _onDemand.GetOrAdd(entry, row => _byMaterial.GetOrAdd(MaterialOf(row), _ => Load(row)));
        }

        error = onDemand.Error;
        return onDemand.Key;
    }

    public void Dispose()
    {
        // Shared keys appear under several entries: each is disposed once.
        foreach (var key in _keys.Values.Concat(_onDemand.Values).Concat(_byMaterial.Values).Select(loaded => loaded.Key).OfType<DkimPrivateKey>().Distinct())
        {
            key.Dispose();
        }
    }
}
