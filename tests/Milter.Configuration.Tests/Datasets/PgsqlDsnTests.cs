using Milter.Configuration.Datasets;
using Milter.Configuration.Datasets.PostgreSql;

namespace Milter.Configuration.Tests.Datasets;

public sealed class PgsqlDsnTests
{
    [Fact]
    public void OpenDkims_form_with_port_before_host_and_several_datacols()
    {
        var dsn = PgsqlDsn.TryParse("pgsql://dkim:s3cret@5433+db.example.com/mail/table=keys?keycol=name?datacol=domain,selector,key", out string? problem);

        Assert.Null(problem);
        Assert.NotNull(dsn);
        Assert.Equal(("dkim", "s3cret", "db.example.com", 5433, "mail"), (dsn.User, dsn.Password, dsn.Host, dsn.Port, dsn.Database));
        Assert.Equal(("keys", "name"), (dsn.Table, dsn.KeyColumn));
        Assert.Equal(["domain", "selector", "key"], dsn.DataColumns);
        Assert.Equal("pgsql://db.example.com:5433/mail/keys", dsn.Location);
        Assert.DoesNotContain("s3cret", dsn.Server, StringComparison.Ordinal);
    }

    [Fact]
    public void User_and_port_are_optional()
    {
        var dsn = PgsqlDsn.TryParse("pgsql://127.0.0.1/mail/table=signing?keycol=pattern?datacol=keyname", out _);

        Assert.NotNull(dsn);
        Assert.Null(dsn.User);
        Assert.Equal(5432, dsn.Port);
        Assert.Equal("keyname", Assert.Single(dsn.DataColumns));
    }

    [Fact]
    public void Parameter_names_are_case_insensitive_and_empty_parameters_are_skipped_as_in_OpenDKIM()
    {
        // Upper-case names measured with the real OpenDKIM 2.11; it splits on '?' with strtok, which skips empty parts.
        var dsn = PgsqlDsn.TryParse("pgsql://dkim@5433+127.0.0.1/mail/TABLE=keys??KeyCol=name?DATACOL=domain, selector, key?", out string? problem);

        Assert.Null(problem);
        Assert.NotNull(dsn);
        Assert.Equal(("keys", "name", 5433), (dsn.Table, dsn.KeyColumn, dsn.Port));
        Assert.Equal(["domain", "selector", "key"], dsn.DataColumns);
    }

    [Theory]
    [InlineData("mysql://u:p@localhost/db/table=t?keycol=k?datacol=d", "mysql backend is not supported")]
    [InlineData("pgsql://localhost:5432/db/table=t?keycol=k?datacol=d", "port before the host")]
    [InlineData("pgsql://x+localhost/db/table=t?keycol=k?datacol=d", "not a port number")]
    [InlineData("pgsql://localhost/db/table=t?keycol=k", "no datacol=")]
    [InlineData("pgsql://localhost/db/table=t?keycol=k?datacol=d?filter=x", "filter= (OpenDKIM's extra SQL condition) is not supported: make a VIEW")]
    [InlineData("pgsql://localhost/db/table=t?keycol=k?datacol=d?sslmode=require", "unknown parameter 'sslmode'")]
    [InlineData("pgsql://localhost/db/table=t&keycol=k&datacol=d", "separated by '?', not '&'")]
    [InlineData("pgsql://localhost/db/table=t?keycol=k&datacol=d", "separated by '?', not '&'")]
    [InlineData("pgsql://localhost/db/table=t;drop?keycol=k?datacol=d", "table and column names")]
    [InlineData("pgsql://localhost/table=t?keycol=k?datacol=d", "expected [port+]host/database")]
    public void Mistakes_are_named(string text, string expected)
    {
        Assert.Null(PgsqlDsn.TryParse(text, out string? problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_dsn_is_a_configuration_error_with_file_and_line()
    {
        var error = Assert.Throws<ConfigurationException>(() => DatasetParser.Load(new ConfigEntry("KeyTable", "dsn:pgsql://localhost/db/table=t", "/etc/opendkim.conf", 12)));

        Assert.Equal(12, error.Line);
        Assert.Contains("KeyTable: bad dsn: no keycol=", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_tables_and_peer_lists_may_come_from_a_database()
    {
        var error = Assert.Throws<ConfigurationException>(() => DatasetParser.Load(new ConfigEntry("ExemptDomains", "dsn:pgsql://localhost/db/table=t?keycol=k?datacol=d", "/etc/opendkim.conf", 3)));

        Assert.Contains("supported for KeyTable, SigningTable, InternalHosts, ExternalIgnoreList and PeerList only", error.Problem, StringComparison.Ordinal);
    }
}
