using System.Globalization;
using Milter.IntegrationTests.Postfix;
using Milter.IntegrationTests.Processes;
using Npgsql;

namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// A private PostgreSQL cluster for one test class: initdb into a temp directory, run as the postgres user (the
/// server refuses root) through runuser, listening on 127.0.0.1 on a free port with its own unix socket directory;
/// pg_ctl stops it at the end and the directory is removed. <see cref="StopAsync"/> and <see cref="StartAsync"/>
/// let a test take it away and bring it back on the same port.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private string _directory = "";
    private string _bin = "";

    public int Port { get; private set; }

    private string Data => Path.Combine(_directory, "data");

    public async Task InitializeAsync()
    {
        _bin = Directory.GetDirectories("/usr/lib/postgresql")
            .Select(directory => Path.Combine(directory, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
            .OrderByDescending(bin => int.Parse(Path.GetFileName(Path.GetDirectoryName(bin))!, CultureInfo.InvariantCulture))
            .FirstOrDefault() ?? throw new InvalidOperationException("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql");
        _directory = Directory.CreateTempSubdirectory("dkim-pg-").FullName;
        await RunAsync("/usr/bin/chown", "postgres:postgres", _directory);
        await AsPostgresAsync("initdb", "-D", Data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8");
        Port = FreePort.Pick();
        await StartAsync();
    }

    /// <summary>Starts the server (again) on <see cref="Port"/>.</summary>
    public Task StartAsync() => AsPostgresAsync("pg_ctl", "-D", Data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port.ToString(CultureInfo.InvariantCulture)} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start");

    /// <summary>Stops the server (fast: open connections are cut, as in a crash of the network path).</summary>
    public Task StopAsync() => AsPostgresAsync("pg_ctl", "-D", Data, "-m", "fast", "-w", "stop");

    /// <summary>A connection string for <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database};Pooling=false";

    /// <summary>Runs SQL statements in <paramref name="database"/>.</summary>
    public async Task ExecuteAsync(string database, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A new, empty database with a unique name.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        string name = "t" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync("postgres", $"CREATE DATABASE {name}");
        return name;
    }

    /// <summary>
    /// Creates a login role that must give <paramref name="password"/> over TCP (scram-sha-256; every other role keeps
    /// "trust"): its pg_hba.conf line goes first, since the first matching line decides, and the server reloads. Returns
    /// once a connection without the password is refused, since a reload takes effect asynchronously.
    /// </summary>
    public async Task CreatePasswordRoleAsync(string role, string password)
    {
        await ExecuteAsync("postgres", $"CREATE ROLE {role} LOGIN PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'");
        string hba = Path.Combine(Data, "pg_hba.conf");
        await File.WriteAllTextAsync(hba, $"host all {role} 127.0.0.1/32 scram-sha-256\n" + await File.ReadAllTextAsync(hba));
        await AsPostgresAsync("pg_ctl", "-D", Data, "reload");
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username={role};Password=not-{password};Database=postgres;Pooling=false");
                await connection.OpenAsync();
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidPassword)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{hba}: role {role} still gets in without its password after the reload");
            }

            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(Data, "postmaster.pid")))
            {
                await StopAsync();
            }
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>
    /// A hot standby of this cluster (pg_basebackup -R: streaming replication, read-only), on its own free port and
    /// directory. The caller disposes it (before this cluster).
    /// </summary>
    public async Task<PostgresCluster> StartStandbyAsync()
    {
        var standby = new PostgresCluster { _bin = _bin, _directory = Directory.CreateTempSubdirectory("dkim-pg-standby-").FullName };
        await RunAsync("/usr/bin/chown", "postgres:postgres", standby._directory);
        await standby.AsPostgresAsync("pg_basebackup", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres",
            "-D", standby.Data, "-R", "-X", "stream", "-c", "fast", "--no-sync");
        standby.Port = FreePort.Pick();
        await standby.StartAsync();
        return standby;
    }

    private Task AsPostgresAsync(string program, params string[] arguments) =>
        RunAsync("/usr/sbin/runuser", ["-u", "postgres", "--", Path.Combine(_bin, program), .. arguments]);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(program, arguments, Timeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed: {result}");
        }
    }
}
