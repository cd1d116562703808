namespace Milter.Configuration.Datasets.PostgreSql;

/// <summary>
/// Which PostgreSQL servers and tables the process keeps open. A dsn: dataset gets its table here, one object per
/// server, table and columns, so a reload that keeps a dsn keeps its warm cache. A configuration in use holds its
/// tables (<see cref="Hold"/>) until it has been replaced and its last message has ended. What nobody holds any more is
/// closed: a table of a dsn the new configuration changed or dropped, or one only a refused reload opened; a server
/// left without tables stops its LISTEN connection and refresh loop and closes its pool. Without this a reload that
/// points elsewhere would keep the old database's connections open for the life of the process.
/// </summary>
public static class PgsqlRegistry
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, PgsqlServer> Servers = new(StringComparer.Ordinal);
    private static readonly Dictionary<PgsqlTable, int> Holders = [];

    /// <summary>
    /// Tables handed out since the last <see cref="ReleaseUnheld"/>: a configuration being built may be about to hold
    /// them, so they are not closed even when their last holder goes meanwhile.
    /// </summary>
    private static readonly HashSet<PgsqlTable> Claimed = [];

    /// <summary>The table a dsn names (the same object for as long as some configuration uses it).</summary>
    public static PgsqlTable TableFor(PgsqlDsn dsn)
    {
        ArgumentNullException.ThrowIfNull(dsn);
        lock (Gate)
        {
            string key = PgsqlServer.KeyOf(dsn);
            if (!Servers.TryGetValue(key, out var server))
            {
                server = new PgsqlServer(dsn);
                Servers.Add(key, server);
            }

            var table = server.TableFor(dsn);
            Claimed.Add(table);
            server.Start();
            return table;
        }
    }

    /// <summary>Each open table, with how many entries it caches (for measurements).</summary>
    public static IReadOnlyList<PgsqlTable> AllTables
    {
        get
        {
            lock (Gate)
            {
                return Servers.Values.SelectMany(server => server.Tables).ToList();
            }
        }
    }

    /// <summary>Holds <paramref name="tables"/> open until the returned object is disposed (the configuration using them is gone).</summary>
    public static IDisposable Hold(IEnumerable<PgsqlTable> tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var held = tables.Distinct().ToArray();
        lock (Gate)
        {
            foreach (var table in held)
            {
                Holders[table] = Holders.GetValueOrDefault(table) + 1;
            }
        }

        return new Holding(held);
    }

    /// <summary>
    /// Closes every table no configuration holds, and every server left without tables. Called when a reload is over,
    /// accepted or refused (the configuration in use then holds all it needs), and once at start-up.
    /// </summary>
    public static void ReleaseUnheld()
    {
        List<PgsqlServer> stopped;
        lock (Gate)
        {
            Claimed.Clear();
            stopped = Close(Servers.Values.SelectMany(server => server.Tables).Where(table => !Holders.ContainsKey(table)).ToList());
        }

        foreach (var server in stopped)
        {
            server.Dispose();
        }
    }

    private static void Release(PgsqlTable[] tables)
    {
        List<PgsqlServer> stopped;
        lock (Gate)
        {
            var unheld = new List<PgsqlTable>();
            foreach (var table in tables)
            {
                int holders = Holders[table] - 1;
                if (holders > 0)
                {
                    Holders[table] = holders;
                    continue;
                }

                Holders.Remove(table);
                if (!Claimed.Contains(table))
                {
                    unheld.Add(table);
                }
            }

            stopped = Close(unheld);
        }

        foreach (var server in stopped)
        {
            server.Dispose();
        }
    }

    /// <summary>Forgets <paramref name="tables"/>; returns the servers this leaves without tables (removed, to be stopped outside the lock).</summary>
    private static List<PgsqlServer> Close(List<PgsqlTable> tables)
    {
        var stopped = new List<PgsqlServer>();
        foreach (var table in tables)
        {
            var server = table.Server;
            server.Remove(table);
            if (server.IsUnused && Servers.Remove(PgsqlServer.KeyOf(table.Dsn)))
            {
                stopped.Add(server);
            }
        }

        return stopped;
    }

    /// <summary>One configuration's hold on its tables; released once.</summary>
    private sealed class Holding(PgsqlTable[] tables) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Release(tables);
            }
        }
    }
}
