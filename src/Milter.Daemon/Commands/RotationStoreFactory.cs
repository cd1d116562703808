using Milter.Configuration;
using Milter.Configuration.Datasets;
using Milter.Configuration.Datasets.PostgreSql;
using Milter.Configuration.Tables;

namespace Milter.Daemon.Commands;

/// <summary>
/// Picks where <c>dkim-milter rotate</c> works from the configuration's KeyTable and SigningTable: both files
/// (<c>file:</c>, <c>refile:</c>, a path), or both <c>dsn:pgsql://</c> tables of one database. A mix is refused: the
/// state, the new key and the switch would have to live in two places that cannot change together.
/// </summary>
internal static class RotationStoreFactory
{
    /// <exception cref="ConfigurationException">Missing tables, a mix, tables rotate cannot edit, or a file that cannot be read.</exception>
    /// <exception cref="RotationStoreException">The database cannot be reached or refuses.</exception>
    public static IRotationStore Open(ConfigFile config, string configPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        var keyTableSetting = Required(config, "KeyTable");
        var signingTableSetting = Required(config, "SigningTable");
        var keysInDatabase = Database(keyTableSetting);
        var signingInDatabase = Database(signingTableSetting);
        if (keysInDatabase is not null && signingInDatabase is not null)
        {
            if (keysInDatabase.Server != signingInDatabase.Server || keysInDatabase.Password != signingInDatabase.Password)
            {
                throw new ConfigurationException(signingTableSetting.File, signingTableSetting.Line,
                    $"rotate needs the KeyTable and the SigningTable in one database (KeyTable {keysInDatabase.Server}, SigningTable {signingInDatabase.Server}): the switch and its state change in one transaction",
                    "keep both tables in one database, with the same user");
            }

            return DatabaseRotationStore.Open(keysInDatabase, signingInDatabase);
        }

        if (keysInDatabase is not null || signingInDatabase is not null)
        {
            var (inDatabase, inFile) = keysInDatabase is not null ? (keyTableSetting, signingTableSetting) : (signingTableSetting, keyTableSetting);
            throw new ConfigurationException(inFile.File, inFile.Line,
                $"rotate cannot work on a {inDatabase.Name} in a database and a {inFile.Name} in a file: the new key, the switch and the state between runs would be in two places that cannot change together",
                $"put both tables in the database (dsn:pgsql://, see docs/OPERATIONS.md), or both in files");
        }

        var problems = new List<ConfigurationException>();
        var keyTable = KeyTable.From(DatasetParser.Load(keyTableSetting), problems);
        if (problems.Count > 0)
        {
            throw problems[0];
        }

        var tables = RotationTables.Read(TableFile(keyTableSetting), TableFile(signingTableSetting));
        return new FileRotationStore(config, configPath, keyTable, tables);
    }

    private static ConfigEntry Required(ConfigFile config, string name) =>
        config.Find(name) ?? throw new ConfigurationException(config.Path, 0, $"no {name}: rotate edits the KeyTable and SigningTable");

    /// <summary>The dsn of a <c>dsn:</c> setting, or null for any other kind.</summary>
    private static PgsqlDsn? Database(ConfigEntry setting)
    {
        const string prefix = "dsn:";
        if (!setting.Value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return PgsqlDsn.TryParse(setting.Value[prefix.Length..], out string? problem)
            ?? throw new ConfigurationException(setting.File, setting.Line, $"{setting.Name}: bad dsn: {problem}");
    }

    /// <summary>The file behind a <c>file:</c>/<c>refile:</c>/path table setting; other kinds cannot be edited here.</summary>
    private static string TableFile(ConfigEntry setting) =>
        DatasetParser.FilePath(setting)
        ?? throw new ConfigurationException(setting.File, setting.Line, $"{setting.Name} {setting.Value} is not a table rotate can edit (file:, refile:, a path, or dsn:pgsql://)");
}
