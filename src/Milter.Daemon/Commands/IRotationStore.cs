using Milter.Configuration.Tables;

namespace Milter.Daemon.Commands;

/// <summary>
/// Where <c>dkim-milter rotate</c> reads and changes the KeyTable and SigningTable, and keeps its state between runs:
/// files (<see cref="FileRotationStore"/>) or a PostgreSQL database (<see cref="DatabaseRotationStore"/>). The steps
/// and their decisions are <see cref="RotateCommand"/>'s; a store only answers and applies them.
/// </summary>
/// <remarks>Failures of the storage itself are <see cref="RotationStoreException"/> (or, for files, IOException).</remarks>
internal interface IRotationStore : IDisposable
{
    /// <summary>The KeyTable, for messages: a path or <c>pgsql://host:port/db/table</c>.</summary>
    string KeyTableName { get; }

    /// <summary>The SigningTable, for messages.</summary>
    string SigningTableName { get; }

    /// <summary>True when a key held in the KeyTable itself (inline) may be replaced by a new inline key.</summary>
    bool StoresInlineKeys { get; }

    /// <summary>Rotations whose new key is in the KeyTable but not yet signing.</summary>
    IReadOnlyList<PendingRotation> Pending();

    /// <summary>Keys replaced in the SigningTable, waiting for their grace period to end.</summary>
    IReadOnlyList<RetiredKey> Retired();

    /// <summary>The KeyTable entry called <paramref name="name"/> (ignoring case), or null.</summary>
    KeyTableEntry? FindKey(string name);

    /// <summary>The KeyTable entries of <paramref name="domain"/> that some SigningTable entry names.</summary>
    IReadOnlyList<KeyTableEntry> SigningKeysOf(string domain);

    /// <summary>True when some SigningTable entry names the key <paramref name="name"/>.</summary>
    bool IsSigningKey(string name);

    /// <summary>True when the KeyTable already has a key of <paramref name="domain"/> with <paramref name="selector"/>.</summary>
    bool SelectorTaken(string domain, string selector);

    /// <summary>Adds the new key's KeyTable entry (<c>domain:selector:key</c>, key a path or the key itself) and records the rotation as pending.</summary>
    void AddPending(PendingRotation rotation, string domain, string selector, string key);

    /// <summary>Moves every SigningTable entry naming the old key to the new one and records the old key as retired until <paramref name="keepUntil"/>; returns how many entries moved.</summary>
    int Switch(PendingRotation rotation, DateTimeOffset keepUntil);

    /// <summary>Removes a retired key from the KeyTable, and its state.</summary>
    void Remove(RetiredKey retired);

    /// <summary>After a switch: makes running daemons use the changed tables, and says how (a line for the output).</summary>
    string TellDaemons();
}
