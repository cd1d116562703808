using Microsoft.Extensions.Logging;
using Milter.Configuration;
using Milter.Daemon.Startup;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// A key that could not be loaded (start-up checks refuse such a configuration; DkimFilter.Build alone does not,
/// so the handler's own guard is reachable here): mail that should be signed with it is never passed unsigned.
/// It gets On-SignatureError (default tempfail) and a log line naming the key.
/// </summary>
public sealed class UnusableKeyTests
{
    private const string KeyTable = "bad._domainkey.example.com example.com:bad:{dir}/" + TestKeys.GarbageFile + "\n";
    private const string SigningTable = "*@example.com bad._domainkey.example.com\n";

    [Fact]
    public async Task Garbage_key_tempfails_and_names_the_key()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables + "RequireSafeKeys no\n", KeyTable, SigningTable);
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(TestMessage.Create(), "QIDS1");

        // Refused at end of message, where OpenDKIM refuses a garbage key too (its "451 4.7.0 resource unavailable"),
        // and with nothing added: no unsigned message leaves.
        Assert.Equal("EOM", outcome.DecidedAt);
        Assert.StartsWith("451 4.7.0 ", outcome.ReplyText, StringComparison.Ordinal);
        Assert.Empty(outcome.Modifications);
        var line = Assert.Single(rig.Log.Lines, line => line.Message.StartsWith("QIDS1: error loading key 'bad._domainkey.example.com': ", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, line.Level);
    }

    [Fact]
    public async Task Missing_key_file_tempfails_too()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables, "gone._domainkey.example.com example.com:gone:{dir}/does-not-exist.pem\n",
            "*@example.com gone._domainkey.example.com\n");
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(TestMessage.Create(), "QIDS2");

        Assert.StartsWith("451 4.7.0 ", outcome.ReplyText, StringComparison.Ordinal);
        Assert.Contains(rig.Log.Lines, line => line.Level == LogLevel.Error
            && line.Message.StartsWith("QIDS2: error loading key 'gone._domainkey.example.com': ", StringComparison.Ordinal)
            && line.Message.Contains("does-not-exist.pem", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_SignatureError_quarantine_holds_the_unsigned_message()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables + "On-SignatureError quarantine\n", KeyTable, SigningTable);
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(TestMessage.Create(), "QIDS4");

        Assert.Equal(["QUARANTINE dkim-milter: key 'bad._domainkey.example.com' unusable"], outcome.Describe());
    }

    [Fact]
    public async Task On_SignatureError_reject_rejects()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables + "On-SignatureError reject\n", KeyTable, SigningTable);
        await using var mta = await rig.ConnectAsync();

        var outcome = await mta.SendAsync(TestMessage.Create(), "QIDS3");

        Assert.StartsWith("550 5.7.0 ", outcome.ReplyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_up_checks_refuse_the_configuration_the_handler_guards_against()
    {
        await using var rig = HandlerRig.Start(HandlerRig.Tables + "RequireSafeKeys no\n", KeyTable, SigningTable);
        var config = ConfigFileParser.Parse($"KeyTable refile:{rig.Directory}/KeyTable\nSigningTable refile:{rig.Directory}/SigningTable\nRequireSafeKeys no\n", "opendkim.conf");

        var diagnostics = StartupChecks.Run(config, out _);

        Assert.Contains(diagnostics, diagnostic => diagnostic.IsError && diagnostic.Problem.StartsWith("KeyTable entry 'bad._domainkey.example.com': ", StringComparison.Ordinal));
    }
}
