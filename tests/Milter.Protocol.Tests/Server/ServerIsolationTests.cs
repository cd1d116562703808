using System.Net;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Server;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Tests.Server;

/// <summary>
/// A <see cref="MilterServer"/> on 127.0.0.1:0: a protocol error closes that connection only. A session open
/// at the time carries on, new connections are served, and exactly one warning names the faulty peer.
/// </summary>
public class ServerIsolationTests
{
    public static TheoryData<string> Names => ProtocolErrorCases.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_protocol_error_closes_only_that_connection(string name)
    {
        var error = ProtocolErrorCases.All[name];
        var logs = new TestLoggerFactory();
        await using var server = new MilterServer(new IPEndPoint(IPAddress.Loopback, 0), () => new RecordingHandler(), loggerFactory: logs);
        server.Start();

        // A healthy session, in the middle of an SMTP session when the other one breaks.
        await using var healthy = await MilterClient.ConnectAsync(server.LocalEndPoint);
        await healthy.NegotiateAsync(MtaProfile.Postfix6).WaitAsync(SessionHarness.Timeout);
        await healthy.ConnectAsync("localhost", ConnectionFamily.Inet, 34522, "127.0.0.1").WaitAsync(SessionHarness.Timeout);

        await using (var faulty = await RawConnection.OpenAsync(server.LocalEndPoint))
        {
            if (error.Before.Length > 0)
            {
                await faulty.SendAsync(Packets.Encode(error.Before));
                var answers = Packets.Split(await faulty.ReadAsync(ExpectedReplyBytes(error.RepliesBefore)));
                Assert.Equal(error.RepliesBefore, answers.Count);
            }

            await faulty.SendAsync(error.Offending);
            if (error.ThenEof)
            {
                faulty.ShutdownSend();
            }

            // Closed by the milter, with nothing more said.
            Assert.Empty(await faulty.ReadToEndAsync());

            var warning = Assert.Single(logs.Warnings);
            Assert.Equal(110, warning.EventId.Id);
            Assert.Equal(error.Error, warning["Error"]);
            Assert.Contains(faulty.Peer, warning.Message, StringComparison.Ordinal);
            Assert.Contains(error.ReasonFragment, warning.Message, StringComparison.Ordinal);
        }

        // The healthy session goes on.
        Assert.Equal(ReplyCode.Continue, (await healthy.HeloAsync("localhost").WaitAsync(SessionHarness.Timeout)).Code);
        await AssertMessagePassesAsync(healthy);

        // And a new connection is served.
        await using var next = await MilterClient.ConnectAsync(server.LocalEndPoint);
        await next.NegotiateAsync(MtaProfile.Postfix2).WaitAsync(SessionHarness.Timeout);
        await next.ConnectAsync("localhost", ConnectionFamily.Inet, 0, "127.0.0.1").WaitAsync(SessionHarness.Timeout);
        await AssertMessagePassesAsync(next);

        Assert.Single(logs.Warnings);
    }

    [Fact]
    public async Task Many_broken_connections_in_a_row_do_not_disturb_the_server()
    {
        var logs = new TestLoggerFactory();
        await using var server = new MilterServer(new IPEndPoint(IPAddress.Loopback, 0), () => new RecordingHandler(), loggerFactory: logs);
        server.Start();
        var peers = new List<string>();
        foreach (var error in ProtocolErrorCases.All.Values.Where(e => e.Before.Length == 0))
        {
            await using var faulty = await RawConnection.OpenAsync(server.LocalEndPoint);
            peers.Add(faulty.Peer);
            await faulty.SendAsync(error.Offending);
            Assert.Empty(await faulty.ReadToEndAsync());
        }

        Assert.Equal(peers, logs.Warnings.Select(w => peers.Single(p => w.Message.Contains(p, StringComparison.Ordinal))));

        await using var client = await MilterClient.ConnectAsync(server.LocalEndPoint);
        await client.NegotiateAsync(MtaProfile.Postfix6).WaitAsync(SessionHarness.Timeout);
        await client.ConnectAsync("localhost", ConnectionFamily.Inet, 34522, "127.0.0.1").WaitAsync(SessionHarness.Timeout);
        await AssertMessagePassesAsync(client);
    }

    [Fact]
    public async Task A_body_packet_of_length_65536_passes_through_the_real_transport()
    {
        var handlers = new List<RecordingHandler>();
        await using var server = new MilterServer(new IPEndPoint(IPAddress.Loopback, 0), () =>
        {
            var handler = new RecordingHandler();
            lock (handlers)
            {
                handlers.Add(handler);
            }

            return handler;
        });
        server.Start();
        await using var client = await MilterClient.ConnectAsync(server.LocalEndPoint);
        await client.NegotiateAsync(MtaProfile.Postfix6).WaitAsync(SessionHarness.Timeout);
        await client.ConnectAsync("localhost", ConnectionFamily.Inet, 34522, "127.0.0.1").WaitAsync(SessionHarness.Timeout);
        await client.MailAsync(["<a@example.org>"]).WaitAsync(SessionHarness.Timeout);
        await client.RecipientAsync(["<b@example.org>"]).WaitAsync(SessionHarness.Timeout);
        await client.EndOfHeadersAsync().WaitAsync(SessionHarness.Timeout);

        byte[] body = [.. Enumerable.Range(0, 3 * 65535 + 1).Select(i => (byte)(i % 251))];
        Assert.Equal(ReplyCode.Continue, (await client.BodyAsync(body).WaitAsync(SessionHarness.Timeout)).Code);
        var end = await client.EndOfMessageAsync().WaitAsync(SessionHarness.Timeout);
        Assert.Equal(ReplyCode.Continue, end.Final.Code);

        var chunks = Assert.Single(handlers).BodyChunks.ToArray();
        Assert.Equal([65535, 65535, 65535, 1], chunks.Select(c => c.Length));
        Assert.Equal(body, chunks.SelectMany(c => c));
    }

    private static int ExpectedReplyBytes(int replies) =>
        // 'O' reply without macro lists: 4 + 13; every other reply here is 'c': 4 + 1.
        17 + (replies - 1) * 5;

    private static async Task AssertMessagePassesAsync(MilterClient client)
    {
        var timeout = SessionHarness.Timeout;
        Assert.Equal(ReplyCode.Continue, (await client.MailAsync(["<a@example.org>"]).WaitAsync(timeout)).Code);
        Assert.Equal(ReplyCode.Continue, (await client.RecipientAsync(["<b@example.org>"]).WaitAsync(timeout)).Code);
        Assert.Equal(ReplyCode.Continue, (await client.DataAsync().WaitAsync(timeout)).Code);
        var result = await client.SendContentAsync("Subject: hi\r\n\r\nbody\r\n"u8.ToArray()).WaitAsync(timeout);
        Assert.Equal(SimpleReply.Continue, result.Final);
        Assert.Equal("EOM", result.DecidedAt);
        await client.AbortAsync();
    }
}
