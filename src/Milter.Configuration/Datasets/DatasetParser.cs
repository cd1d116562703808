namespace Milter.Configuration.Datasets;

/// <summary>
/// Reads a dataset setting: <c>file:PATH</c>, <c>refile:PATH</c>, <c>csl:a,b,k=v</c>, a bare absolute path
/// (a file), or anything else as a comma-separated list. Files hold one entry a line, key then whitespace
/// then value, <c>#</c> starting a comment. <c>dsn:pgsql://...</c> reads a PostgreSQL table (KeyTable and SigningTable
/// and the peer lists only). Types OpenDKIM has but this build does not (other SQL backends, LDAP, Berkeley DB, Lua, memcache) are
/// refused with a clear message rather than read as something else.
/// </summary>
public static class DatasetParser
{
    private static readonly Dictionary<string, string> Unsupported = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ldap"] = "LDAP",
        ["ldaps"] = "LDAP",
        ["ldapi"] = "LDAP",
        ["db"] = "Berkeley DB",
        ["lua"] = "Lua",
        ["memcache"] = "memcache",
        ["redis"] = "redis",
    };

    /// <summary>Parses the dataset given by the value of <paramref name="setting"/>.</summary>
    /// <exception cref="ConfigurationException">An unsupported type, or a file that cannot be read.</exception>
    public static Dataset Load(ConfigEntry setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        string value = setting.Value;
        var (prefix, rest) = SplitType(value);
        if (Unsupported.TryGetValue(prefix, out string? what))
        {
            throw new ConfigurationException(setting.File, setting.Line, $"{what} datasets ({prefix}:) are not supported yet",
                "use file: or refile: tables, or csl: lists");
        }

        return prefix.ToLowerInvariant() switch
        {
            "dsn" => ReadDatabase(setting, rest),
            "file" => ReadFile(setting, rest, DatasetKind.File),
            "refile" => ReadFile(setting, rest, DatasetKind.Patterns),
            "csl" => ParseList(setting, rest),
            _ when value.StartsWith('/') => ReadFile(setting, value, DatasetKind.File),
            _ => ParseList(setting, value),
        };
    }

    /// <summary>
    /// The file a <c>file:</c>, <c>refile:</c> or bare-path setting reads (as <see cref="Load"/> reads it), or null for
    /// lists and databases: what a tool that edits a table in place may write.
    /// </summary>
    public static string? FilePath(ConfigEntry setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var (prefix, rest) = SplitType(setting.Value);
        return prefix.ToLowerInvariant() switch
        {
            "file" or "refile" when rest.Length > 0 => rest,
            _ when setting.Value.StartsWith('/') => setting.Value,
            _ => null,
        };
    }

    // "type:rest", or no type.
    private static (string Type, string Remainder) SplitType(string value)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? (value[..colon], value[(colon + 1)..]) : ("", value);
    }

    /// <summary>The settings that may name a database: the tables looked up key by key at decision time.</summary>
    private static readonly HashSet<string> DatabaseSettings = new(StringComparer.OrdinalIgnoreCase) { "KeyTable", "SigningTable", "InternalHosts", "ExternalIgnoreList", "PeerList" };

    private static Dataset ReadDatabase(ConfigEntry setting, string dsn)
    {
        if (!DatabaseSettings.Contains(setting.Name))
        {
            throw new ConfigurationException(setting.File, setting.Line, $"{setting.Name}: dsn: datasets are supported for KeyTable, SigningTable, InternalHosts, ExternalIgnoreList and PeerList only",
                $"keep {setting.Name} in a file: or csl: list");
        }

        if (PostgreSql.PgsqlDsn.TryParse(dsn, out string? problem) is not { } parsed)
        {
            throw new ConfigurationException(setting.File, setting.Line, $"{setting.Name}: bad dsn: {problem}",
                $"write e.g. {setting.Name} dsn:pgsql://dkim:secret@5432+127.0.0.1/mail/table=signing?keycol=pattern?datacol=keyname");
        }

        return new Dataset($"dsn:{parsed.Location}", PostgreSql.PgsqlRegistry.TableFor(parsed));
    }

    private static Dataset ReadFile(ConfigEntry setting, string path, DatasetKind kind)
    {
        if (path.Length == 0)
        {
            throw new ConfigurationException(setting.File, setting.Line, $"{setting.Name}: no file name after the type", $"write e.g. {setting.Name} refile:/etc/opendkim/{setting.Name}");
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(setting.File, setting.Line, $"{setting.Name}: cannot read {path}", ex.Message);
        }

        var entries = new List<DatasetEntry>();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            line = (hash >= 0 ? line[..hash] : line).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            int space = line.AsSpan().IndexOfAny(' ', '\t');
            entries.Add(space < 0
                ? new DatasetEntry(line, "", path, i + 1)
                : new DatasetEntry(line[..space], line[space..].Trim(), path, i + 1));
        }

        return new Dataset(kind, setting.Value, entries);
    }

    private static Dataset ParseList(ConfigEntry setting, string list)
    {
        var entries = new List<DatasetEntry>();
        foreach (string item in list.Split(','))
        {
            string trimmed = item.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            int equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            entries.Add(equals < 0
                ? new DatasetEntry(trimmed, "", setting.File, setting.Line)
                : new DatasetEntry(trimmed[..equals].Trim(), trimmed[(equals + 1)..].Trim(), setting.File, setting.Line));
        }

        return new Dataset(DatasetKind.List, setting.Value, entries);
    }
}
