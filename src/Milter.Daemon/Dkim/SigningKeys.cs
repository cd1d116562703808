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
    private readonly Dictionary<KeyTableEntry, (DkimPrivateKey? Key, string? Error)> _keys = [];

    public SigningKeys(IEnumerable<KeyTableEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
        {
            if (_keys.ContainsKey(entry))
            {
                continue;
            }

            try
            {
                var key = entry.KeyPath is { } path ? PrivateKeyLoader.LoadFile(path) : PrivateKeyLoader.Parse(entry.InlineKey!, entry.KeyDescription);
                _keys.Add(entry, (key, null));
            }
            catch (Exception ex) when (ex is KeyFormatException or IOException or UnauthorizedAccessException)
            {
                _keys.Add(entry, (null, ex.Message));
            }
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

        error = "the key was not loaded at start-up";
        return null;
    }

    public void Dispose()
    {
        foreach (var (key, _) in _keys.Values)
        {
            key?.Dispose();
        }
    }
}
