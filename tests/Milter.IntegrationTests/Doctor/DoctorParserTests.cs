using Milter.Daemon.Commands.Doctor;

namespace Milter.IntegrationTests.Doctor;

/// <summary>The parsers under <c>dkim-milter doctor</c>: Postfix milter lists and <c>postconf -M</c>'s services.</summary>
public sealed class DoctorParserTests
{
    [Fact]
    public void Milter_lists_take_commas_spaces_braces_and_the_three_transports()
    {
        var problems = new List<string>();
        var entries = PostfixMilterEntry.ParseList("inet:localhost:8891, { unix:/opendkim/opendkim.sock, connect_timeout=10s, default_action=accept } local:/run/x.sock inet:[::1]:12", problems);

        Assert.Empty(problems);
        Assert.Equal(["inet:localhost:8891", "unix:/opendkim/opendkim.sock", "unix:/run/x.sock", "inet:[::1]:12"], entries.Select(e => e.Address));
        Assert.Equal("accept", entries[1].DefaultAction);
        Assert.Equal("::1", entries[3].Host);
    }

    [Fact]
    public void Milter_list_mistakes_are_said_in_Postfixs_terms()
    {
        var problems = new List<string>();
        var entries = PostfixMilterEntry.ParseList("inet:8891@localhost tcp:1 { unix:/x", problems);

        Assert.Empty(entries);
        Assert.Equal([
            "'inet:8891@localhost' is in libmilter's order (inet:PORT@HOST); Postfix writes inet:localhost:8891",
            "'tcp:1' is not a milter address: Postfix takes inet:HOST:PORT, unix:PATH or local:PATH",
            "'{ unix:/x': no closing '}'",
        ], problems);
    }

    [Theory]
    [InlineData("y", 3, true)]
    [InlineData("n", 3, false)]
    [InlineData("-", 3, false)]
    [InlineData("-", 2, true)]
    public void A_dash_in_the_chroot_column_is_n_from_Postfix_3_on(string column, int major, bool chrooted)
    {
        var services = PostfixSettings.ParseServices($"smtp       inet  n       -       {column}       -       -       smtpd -o smtpd_milters=unix:/x\n", major);

        var service = Assert.Single(services);
        Assert.Equal(chrooted, service.Chrooted);
        Assert.Equal("smtpd", service.Command);
        Assert.Equal("unix:/x", service.Overrides["smtpd_milters"]);
    }
}
