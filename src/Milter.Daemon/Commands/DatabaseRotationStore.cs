using Milter.Configuration;
using Milter.Configuration.Datasets;
using Milter.Configuration.Datasets.PostgreSql;
using Milter.Configuration.Tables;
using Milter.Daemon.Startup;
using Npgsql;

namespace Milter.Daemon.Commands;

/// <summary>
/// Rotation on a KeyTable and SigningTable in one PostgreSQL database (<c>dsn:pgsql://</c>). Rows are read and
/// written through the dsn's key and data columns, whatever their layout: the data columns joined with ':' are the
/// KeyTable's <c>domain:selector:key</c> and the SigningTable's <c>keyname[:signer]</c>, as the daemon reads them.
/// The state between runs is a row per rotation in <c>dkim_milter_rotation</c> (created on first use, beside the
/// KeyTable's table), so every admin machine sees it. Each step is one transaction, and sends
/// <c>NOTIFY dkim_milter</c> with every changed key, as the trigger of docs/OPERATIONS.md would: daemons change
/// without a reload.
/// </summary>
internal sealed class DatabaseRotationStore : IRotationStore
{
    /// <summary>The state table's name (in the KeyTable's schema).</summary>
    public const string StateTableName = "dkim_milter_rotation";

    private readonly PgsqlDsn _keys;
    private readonly PgsqlDsn _signing;
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlConnection _connection;
    private readonly string _stateTable;

    // SQL expressions over the dsn's columns (identifiers checked by PgsqlDsn: letters, digits, '_', '$', '.').
    private readonly string _keyName;
    private readonly string _keyValue;
    private readonly string _signingKeyName;

    private DatabaseRotationStore(PgsqlDsn keys, PgsqlDsn signing, NpgsqlDataSource dataSource, NpgsqlConnection connection)
    {
        _keys = keys;
        _signing = signing;
        _dataSource = dataSource;
        _connection = connection;
        int dot = keys.Table.LastIndexOf('.');
        _stateTable = dot < 0 ? StateTableName : $"{keys.Table[..dot]}.{StateTableName}";
        _keyName = $"{keys.KeyColumn}::text";
        _keyValue = string.Join(" || ':' || ", keys.DataColumns.Select(column => $"coalesce({column}::text, '')"));
        _signingKeyName = $"split_part(coalesce({signing.DataColumns[0]}::text, ''), ':', 1)";
    }

    public string KeyTableName => _keys.Location;

    public string SigningTableName => _signing.Location;

    /// <summary>True: a key kept in its row (PEM or base64) is replaced by a new key kept in the new row.</summary>
    public bool StoresInlineKeys => true;

    /// <summary>Connects to the database both dsns name.</summary>
    /// <exception cref="RotationStoreException">Unreachable (69) or refused (78).</exception>
    public static DatabaseRotationStore Open(PgsqlDsn keys, PgsqlDsn signing)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(signing);
        var builder = keys.ConnectionSettings("dkim-milter rotate");
        builder.Timeout = 10;
        builder.CommandTimeout = 30;
        builder.Pooling = false;
        var dataSource = NpgsqlDataSource.Create(builder);
        try
        {
            return new DatabaseRotationStore(keys, signing, dataSource, Guard(keys.Server, "connect", dataSource.OpenConnection));
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
    }

    public IReadOnlyList<PendingRotation> Pending() =>
        States().Where(state => state.KeepUntil is null).Select(state => new PendingRotation(state.NewKey, state.OldKey, state.Since)).ToList();

    public IReadOnlyList<RetiredKey> Retired() =>
        States().Where(state => state.KeepUntil is not null).Select(state => new RetiredKey(state.OldKey, state.NewKey, state.KeepUntil!.Value)).ToList();

    public KeyTableEntry? FindKey(string name) =>
        KeyEntries($"SELECT {_keyName}, {_keyValue} FROM {_keys.Table} WHERE lower({_keyName}) = lower(@name) LIMIT 1", ("name", name)).FirstOrDefault();

    public IReadOnlyList<KeyTableEntry> SigningKeysOf(string domain) =>
        KeyEntries($"""
            SELECT {_keyName}, {_keyValue} FROM {_keys.Table}
            WHERE lower(split_part({_keyValue}, ':', 1)) = lower(@domain)
              AND lower({_keyName}) IN (SELECT lower({_signingKeyName}) FROM {_signing.Table})
            """, ("domain", domain))
            .DistinctBy(entry => entry.Name, StringComparer.OrdinalIgnoreCase).ToList();

    public bool IsSigningKey(string name) =>
        Guard(_signing.Location, "read", () =>
        {
            using var command = Command($"SELECT EXISTS (SELECT 1 FROM {_signing.Table} WHERE lower({_signingKeyName}) = lower(@name))", ("name", name));
            return (bool)command.ExecuteScalar()!;
        });

    public bool SelectorTaken(string domain, string selector) =>
        Guard(_keys.Location, "read", () =>
        {
            using var command = Command($"""
                SELECT EXISTS (SELECT 1 FROM {_keys.Table}
                  WHERE lower(split_part({_keyValue}, ':', 1)) = lower(@domain) AND lower(split_part({_keyValue}, ':', 2)) = lower(@selector))
                """, ("domain", domain), ("selector", selector));
            return (bool)command.ExecuteScalar()!;
        });

    /// <summary>
    /// One transaction: the state table if missing, the new KeyTable row (its value split over the data columns as
    /// the daemon joins them: the last column takes the rest), the pending state, and a notification of the new key.
    /// </summary>
    public void AddPending(PendingRotation rotation, string domain, string selector, string key)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        string[] values = $"{domain}:{selector}:{key}".Split(':', _keys.DataColumns.Count);
        if (values.Length < _keys.DataColumns.Count)
        {
            throw new RotationStoreException($"{_keys.Location}: {_keys.DataColumns.Count} data columns ({string.Join(", ", _keys.DataColumns)}) for domain:selector:key: rotate cannot tell what goes where");
        }

        Guard(_keys.Location, "add the new key", () =>
        {
            using var transaction = _connection.BeginTransaction();
            if (!StateTableExists())
            {
                using var create = Command($"""
                    CREATE TABLE {_stateTable} (
                      key_table  text NOT NULL,
                      new_key    text NOT NULL,
                      old_key    text NOT NULL,
                      since      timestamptz NOT NULL,
                      keep_until timestamptz,
                      PRIMARY KEY (key_table, new_key))
                    """);
                create.ExecuteNonQuery();
            }

            var parameters = new List<(string, object)> { ("name", rotation.NewKey.ToLowerInvariant()) };
            parameters.AddRange(values.Select((value, i) => ($"v{i}", (object)value)));
            using (var insert = Command(
                $"INSERT INTO {_keys.Table} ({_keys.KeyColumn}, {string.Join(", ", _keys.DataColumns)}) VALUES (@name, {string.Join(", ", values.Select((_, i) => $"@v{i}"))})",
                [.. parameters]))
            {
                insert.ExecuteNonQuery();
            }

            using (var state = Command($"INSERT INTO {_stateTable} (key_table, new_key, old_key, since) VALUES (@table, @new, @old, @since)",
                ("table", _keys.Table), ("new", rotation.NewKey.ToLowerInvariant()), ("old", rotation.OldKey), ("since", rotation.Since)))
            {
                state.ExecuteNonQuery();
            }

            Notify([rotation.NewKey.ToLowerInvariant()]);
            transaction.Commit();
            return 0;
        });
    }

    /// <summary>
    /// One transaction: every SigningTable row whose key name (the first data column, up to a ':') is the old key gets
    /// the new one, the signer after ':' kept; each moved row's key is notified; the state becomes retired.
    /// </summary>
    public int Switch(PendingRotation rotation, DateTimeOffset keepUntil)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        string column = _signing.DataColumns[0];
        return Guard(_signing.Location, "move the SigningTable", () =>
        {
            using var transaction = _connection.BeginTransaction();
            var patterns = new List<string>();
            using (var update = Command($"""
                UPDATE {_signing.Table}
                SET {column} = @new || CASE WHEN strpos({column}::text, ':') > 0 THEN substr({column}::text, strpos({column}::text, ':')) ELSE '' END
                WHERE lower({_signingKeyName}) = lower(@old)
                RETURNING {_signing.KeyColumn}::text
                """, ("new", rotation.NewKey), ("old", rotation.OldKey)))
            using (var reader = update.ExecuteReader())
            {
                while (reader.Read())
                {
                    patterns.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
                }
            }

            using (var state = Command($"UPDATE {_stateTable} SET keep_until = @until WHERE key_table = @table AND new_key = @new",
                ("until", keepUntil), ("table", _keys.Table), ("new", rotation.NewKey)))
            {
                state.ExecuteNonQuery();
            }

            Notify(patterns.Where(pattern => pattern.Length > 0));
            transaction.Commit();
            return patterns.Count;
        });
    }

    /// <summary>One transaction: the old KeyTable row and the state row go; the old key is notified.</summary>
    public void Remove(RetiredKey retired)
    {
        ArgumentNullException.ThrowIfNull(retired);
        Guard(_keys.Location, "remove the old key", () =>
        {
            using var transaction = _connection.BeginTransaction();
            var names = new List<string>();
            using (var delete = Command($"DELETE FROM {_keys.Table} WHERE lower({_keyName}) = lower(@old) RETURNING {_keyName}", ("old", retired.OldKey)))
            using (var reader = delete.ExecuteReader())
            {
                while (reader.Read())
                {
                    names.Add(reader.GetString(0));
                }
            }

            using (var state = Command($"DELETE FROM {_stateTable} WHERE key_table = @table AND new_key = @new", ("table", _keys.Table), ("new", retired.NewKey)))
            {
                state.ExecuteNonQuery();
            }

            Notify(names);
            transaction.Commit();
            return 0;
        });
    }

    /// <summary>The switch already notified (at commit): daemons LISTENing read the moved entries at once.</summary>
    public string TellDaemons() =>
        $"running daemons were told through NOTIFY {PgsqlServer.Channel} (no reload needed); one that missed it signs with the new key within its DatabaseCacheTTL";

    public void Dispose()
    {
        _connection.Dispose();
        _dataSource.Dispose();
    }

    private List<RotationState> States() =>
        Guard(_keys.Location, "read the rotation state", () =>
        {
            var states = new List<RotationState>();
            if (!StateTableExists())
            {
                return states;
            }

            using var command = Command($"SELECT new_key, old_key, since, keep_until FROM {_stateTable} WHERE key_table = @table ORDER BY since", ("table", _keys.Table));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                states.Add(new RotationState(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
            }

            return states;
        });

    // Checked rather than CREATE TABLE IF NOT EXISTS: that needs the CREATE privilege even when the table exists.
    private bool StateTableExists()
    {
        using var command = Command("SELECT to_regclass(@name) IS NOT NULL", ("name", _stateTable));
        return (bool)command.ExecuteScalar()!;
    }

    private List<KeyTableEntry> KeyEntries(string sql, params (string Name, object Value)[] parameters) =>
        Guard(_keys.Location, "read", () =>
        {
            var rows = new List<(string Name, string Value)>();
            using (var command = Command(sql, parameters))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    rows.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            var entries = new List<KeyTableEntry>();
            foreach (var (name, value) in rows)
            {
                var problems = new List<ConfigurationException>();
                entries.Add(KeyTable.Parse(new DatasetEntry(name, value, _keys.Location, 0), problems, isDatabaseRow: true)
                    ?? throw new RotationStoreException($"{_keys.Location}: the row of '{name}' is not domain:selector:key ({string.Join(", ", _keys.DataColumns)} read '{value}')"));
            }

            return entries;
        });

    private void Notify(IEnumerable<string> keys)
    {
        using var command = Command($"SELECT pg_notify('{PgsqlServer.Channel}', key) FROM unnest(@keys) AS key", ("keys", keys.Distinct(StringComparer.Ordinal).ToArray()));
        command.ExecuteNonQuery();
    }

    private NpgsqlCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, _connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    /// <summary>Runs a database step; its failure becomes a <see cref="RotationStoreException"/> saying what could not be done where.</summary>
    private static T Guard<T>(string where, string what, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new RotationStoreException($"{where}: cannot {what}: {ex.SqlState}: {ex.MessageText}; rotate needs SELECT, INSERT and DELETE on the KeyTable, SELECT and UPDATE on the SigningTable, SELECT, INSERT, UPDATE and DELETE on {StateTableName}, and CREATE on the schema if {StateTableName} is not there yet (see docs/TOOLS.md, rotate)", ExitCodes.Config, ex);
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith("42", StringComparison.Ordinal))
        {
            // Syntax or access rule: a table or column that is not what the dsn says.
            throw new RotationStoreException($"{where}: cannot {what}: {ex.SqlState}: {ex.MessageText}; check table=, keycol= and datacol= of the dsn", ExitCodes.Config, ex);
        }
        catch (PostgresException ex)
        {
            throw new RotationStoreException($"{where}: cannot {what}: {ex.SqlState}: {ex.MessageText}", ExitCodes.Config, ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or IOException)
        {
            throw new RotationStoreException($"{where}: cannot {what}: database unreachable ({(ex.InnerException ?? ex).Message}); nothing was changed", ExitCodes.Unavailable, ex);
        }
    }

    private sealed record RotationState(string NewKey, string OldKey, DateTimeOffset Since, DateTimeOffset? KeepUntil);
}
