using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Milter.Daemon.Logging;
using Serilog.Events;
using Serilog.Parsing;

namespace Milter.IntegrationTests.Daemon;

/// <summary>Our RFC 3164 sink against a datagram socket standing in for /dev/log.</summary>
public sealed partial class SyslogSinkTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-syslog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(LogEventLevel.Information, 2, 22)] // mail.info
    [InlineData(LogEventLevel.Warning, 2, 20)]     // mail.warning
    [InlineData(LogEventLevel.Error, 16, 131)]     // local0.err
    [InlineData(LogEventLevel.Debug, 3, 31)]       // daemon.debug
    public void Writes_one_rfc3164_datagram_per_event(LogEventLevel level, int facility, int priority)
    {
        string path = Path.Combine(_directory, "log");
        using var syslogd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        syslogd.Bind(new UnixDomainSocketEndPoint(path));
        using var sink = new SyslogSink(facility, "opendkim", path);

        sink.Emit(Event(level, "ABC123: DKIM-Signature field added (s=sel, d=example.com)\nsecond line"));

        var buffer = new byte[9000];
        syslogd.ReceiveTimeout = 5000;
        string datagram = Encoding.UTF8.GetString(buffer, 0, syslogd.Receive(buffer));
        var match = Rfc3164().Match(datagram);
        Assert.True(match.Success, datagram);
        Assert.Equal(priority.ToString(System.Globalization.CultureInfo.InvariantCulture), match.Groups["pri"].Value);
        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), match.Groups["pid"].Value);
        Assert.Equal("ABC123: DKIM-Signature field added (s=sel, d=example.com) second line", match.Groups["message"].Value);
    }

    [Fact]
    public void A_missing_syslog_socket_drops_the_message_instead_of_failing()
    {
        using var sink = new SyslogSink(2, "opendkim", Path.Combine(_directory, "absent"));

        sink.Emit(Event(LogEventLevel.Information, "nobody listens"));
    }

    [Theory]
    [InlineData("mail", 2)]
    [InlineData("LOG_MAIL", 2)]
    [InlineData("local7", 23)]
    [InlineData("Daemon", 3)]
    public void Facility_names_are_those_of_syslog_h(string name, int expected)
    {
        Assert.True(SyslogFacilities.TryParse(name, out int facility));
        Assert.Equal(expected, facility);
    }

    private static LogEvent Event(LogEventLevel level, string text) =>
        new(DateTimeOffset.Now, level, null, new MessageTemplateParser().Parse(text.Replace("{", "{{", StringComparison.Ordinal)), []);

    [GeneratedRegex(@"^<(?<pri>\d+)>[A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d opendkim\[(?<pid>\d+)\]: (?<message>.*)$")]
    private static partial Regex Rfc3164();
}
