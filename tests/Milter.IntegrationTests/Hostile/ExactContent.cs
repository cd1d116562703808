using System.Text;
using Milter.IntegrationTests.Handler;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.Hostile;

/// <summary>
/// Sends a message's content step by step with its body bytes exactly as given. <see cref="MtaConnection.SendAsync"/>
/// splits an RFC 5322 message and ends body lines with CRLF as Postfix does, which would turn a bare LF into a line
/// end before the milter sees it; a hostile body must reach the handler unchanged.
/// </summary>
internal static class ExactContent
{
    public static async Task<MessageOutcome> SendAsync(MtaConnection mta, TestMessage message, string queueId)
    {
        IReadOnlyList<KeyValuePair<string, string>> macros = [new("i", queueId)];
        await mta.StartAsync(queueId);
        foreach (var (name, rawValue) in message.Headers)
        {
            await mta.Client.MessageHeaderAsync(name, Encoding.UTF8.GetBytes(rawValue), macros);
        }

        var endOfHeaders = await mta.Client.EndOfHeadersAsync(macros);
        if (endOfHeaders.Code != ReplyCode.Continue)
        {
            return new MessageOutcome("EOH", endOfHeaders, [], mta.LeadingSpace);
        }

        await mta.Client.BodyAsync(Encoding.UTF8.GetBytes(message.Body), macros);
        var end = await mta.Client.EndOfMessageAsync(macros);
        return new MessageOutcome("EOM", end.Final, end.Modifications, mta.LeadingSpace);
    }
}
