using Npgsql;

namespace Milter.Configuration.Datasets.PostgreSql;

/// <summary>
/// OpenDKIM's data store name for SQL datasets (opendkim.conf(5) "DATA SETS"), PostgreSQL only:
/// <c>dsn:pgsql://[user[:pwd]@][port+]host/dbase/table=TABLE?keycol=KEY?datacol=COL[,COL...]</c>. As in OpenDKIM
/// the port goes before the host with '+' (':' separates user and password), and no value may contain
/// '/', '@', ':', '?', '=' or '+'. Several datacols are joined with ':' into one value, so a KeyTable row can
/// keep domain, selector and key in three columns. Parameters are separated by '?' only: the real OpenDKIM 2.11
/// refuses a dsn whose parameters are separated by '&amp;' ("Invalid argument"), so we refuse it too, with the fix,
/// rather than accept a line that would not work if the administrator went back to OpenDKIM.
/// </summary>
public sealed record PgsqlDsn(string? User, string? Password, string Host, int Port, string Database, string Table, string KeyColumn, IReadOnlyList<string> DataColumns)
{
    /// <summary>Where the data is, without credentials: <c>pgsql://host:port/db/table</c> (for messages and logs).</summary>
    public string Location => $"pgsql://{Host}:{Port}/{Database}/{Table}";

    /// <summary>The server and database, without credentials (one connection per server, database and user).</summary>
    public string Server => $"pgsql://{(User is null ? "" : User + "@")}{Host}:{Port}/{Database}";

    /// <summary>Npgsql's settings for the server, database and credentials; callers add their timeouts and pooling.</summary>
    public NpgsqlConnectionStringBuilder ConnectionSettings(string applicationName) => new()
    {
        Host = Host,
        Port = Port,
        Database = Database,
        Username = User,
        Password = Password,
        ApplicationName = applicationName,
    };

    /// <summary>Parses what follows <c>dsn:</c>; <paramref name="problem"/> says what is wrong when it returns null.</summary>
    public static PgsqlDsn? TryParse(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        const string scheme = "pgsql://";
        if (!text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            int end = text.IndexOf("://", StringComparison.Ordinal);
            problem = end > 0
                ? $"the {text[..end]} backend is not supported: only pgsql:// (PostgreSQL)"
                : "expected pgsql://[user[:password]@][port+]host/database/table=TABLE?keycol=COLUMN?datacol=COLUMN[,COLUMN...]";
            return null;
        }

        string rest = text[scheme.Length..];
        string? user = null, password = null;
        int at = rest.IndexOf('@', StringComparison.Ordinal);
        int firstSlash = rest.IndexOf('/', StringComparison.Ordinal);
        if (at >= 0 && (firstSlash < 0 || at < firstSlash))
        {
            string credentials = rest[..at];
            rest = rest[(at + 1)..];
            int colon = credentials.IndexOf(':', StringComparison.Ordinal);
            user = colon < 0 ? credentials : credentials[..colon];
            password = colon < 0 ? null : credentials[(colon + 1)..];
            if (user.Length == 0)
            {
                problem = "an empty user name before '@'";
                return null;
            }
        }

        string[] parts = rest.Split('/', 3);
        if (parts.Length < 3 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            problem = "expected [port+]host/database/table=TABLE?keycol=COLUMN?datacol=COLUMN after pgsql://";
            return null;
        }

        string host = parts[0];
        int port = 5432;
        int plus = host.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            if (!int.TryParse(host[..plus], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                problem = $"'{host[..plus]}' is not a port number (OpenDKIM's form is PORT+HOST, e.g. 5432+db.example.com)";
                return null;
            }

            host = host[(plus + 1)..];
        }

        if (host.Length == 0 || host.Contains(':', StringComparison.Ordinal))
        {
            problem = host.Length == 0 ? "no host name" : $"'{parts[0]}': write the port before the host with '+' (5432+db.example.com), as OpenDKIM does";
            return null;
        }

        if (parts[2].Contains('&', StringComparison.Ordinal))
        {
            // No table or column name can hold '&' (IsIdentifier), so it can only be meant as a separator.
            problem = $"'{parts[2]}': parameters are separated by '?', not '&' (OpenDKIM refuses '&' too): table=TABLE?keycol=COLUMN?datacol=COLUMN";
            return null;
        }

        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string parameter in parts[2].Split('?'))
        {
            if (parameter.Length == 0)
            {
                continue;
            }

            int equals = parameter.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problem = $"'{parameter}' is not name=value";
                return null;
            }

            string name = parameter[..equals].ToLowerInvariant();
            if (name == "filter")
            {
                // OpenDKIM appends it to its query as "AND <filter>"; our query is built from identifiers only.
                problem = "filter= (OpenDKIM's extra SQL condition) is not supported: make a VIEW with that WHERE condition and name the view in table=";
                return null;
            }

            if (name is not ("table" or "keycol" or "datacol"))
            {
                problem = $"unknown parameter '{parameter[..equals]}': pgsql datasets take table, keycol and datacol (OpenDKIM silently ignores any other name: remove it)";
                return null;
            }

            parameters[name] = parameter[(equals + 1)..];
        }

        foreach (string required in new[] { "table", "keycol", "datacol" })
        {
            if (!parameters.TryGetValue(required, out string? value) || value.Length == 0)
            {
                problem = $"no {required}= (table=TABLE?keycol=COLUMN?datacol=COLUMN[,COLUMN...])";
                return null;
            }
        }

        var dataColumns = parameters["datacol"].Split(',').Select(column => column.Trim()).ToList();
        var identifiers = dataColumns.Append(parameters["keycol"]).Append(parameters["table"]);
        if (dataColumns.Any(column => column.Length == 0) || identifiers.Any(identifier => !IsIdentifier(identifier)))
        {
            problem = "table and column names are letters, digits, '_', '$' (a table may be schema.table)";
            return null;
        }

        return new PgsqlDsn(user, password, host, port, parts[1], parameters["table"], parameters["keycol"], dataColumns);
    }

    private static bool IsIdentifier(string name) =>
        name.Split('.').All(part => part.Length > 0 && !char.IsAsciiDigit(part[0]) && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$'));

}
