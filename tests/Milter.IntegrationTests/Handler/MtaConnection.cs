using System.Net;
using Milter.Protocol;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// One MTA-to-milter connection, played as Postfix plays it: the queue id (macro <c>i</c>) with MAIL, RCPT and
/// every content command, then the message's headers, end of headers, body and end of message.
/// </summary>
internal sealed class MtaConnection : IAsyncDisposable
{
    private MtaConnection(MilterClient client, NegotiationReply negotiated)
    {
        Client = client;
        Negotiated = negotiated;
    }

    public MilterClient Client { get; }

    public NegotiationReply Negotiated { get; }

    /// <summary>True when header values travel with their leading space (HDR_LEADSPC, protocol 6).</summary>
    public bool LeadingSpace => Negotiated.Protocol.HasFlag(ProtocolOptions.HeaderLeadingSpace);

    public static async Task<MtaConnection> OpenAsync(int port, MtaProfile profile, string hostname, string address, string? mtaName)
    {
        var client = await MilterClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        try
        {
            var negotiated = await client.NegotiateAsync(profile);
            IReadOnlyList<KeyValuePair<string, string>>? macros = mtaName is null ? null : [new("j", mtaName)];
            var family = IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? ConnectionFamily.Inet6
                : ConnectionFamily.Inet;
            var reply = await client.ConnectAsync(hostname, family, 40000, address, macros);
            Assert.Equal(ReplyCode.Continue, reply.Code);
            return new MtaConnection(client, negotiated);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>MAIL and RCPT (each must be continued), then the message content through end of message.</summary>
    public async Task<MessageOutcome> SendAsync(TestMessage message, string queueId, string recipient = "<bob@example.net>",
        IReadOnlyList<KeyValuePair<string, string>>? mailMacros = null)
    {
        await StartAsync(queueId, recipient, mailMacros);
        var result = await Client.SendContentAsync(message.ToBytes(), queueId);
        return new MessageOutcome(result.DecidedAt, result.Final, result.Modifications, LeadingSpace);
    }

    /// <summary>MAIL and RCPT only (for tests that send the content step by step).</summary>
    public async Task StartAsync(string queueId, string recipient = "<bob@example.net>", IReadOnlyList<KeyValuePair<string, string>>? mailMacros = null)
    {
        var mail = await Client.MailAsync(["<sender@example.net>"], [new("i", queueId), .. mailMacros ?? []]);
        Assert.Equal(ReplyCode.Continue, mail.Code);
        var rcpt = await Client.RecipientAsync([recipient], [new("i", queueId)]);
        Assert.Equal(ReplyCode.Continue, rcpt.Code);
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
