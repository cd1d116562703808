using System.Buffers;
using Milter.Protocol;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// A whole signing session as Postfix 3.7 sends it to this milter (protocol version 6, macros in their own
/// packets; no HELO and no DATA, which the daemon negotiates away), cut into the steps a peer can stop after.
/// The message is from alice@example.com, which the test KeyTable signs.
/// </summary>
internal static class SigningConversation
{
    public const string QueueId = "4FaultQ1";

    /// <summary>One step: its name (used in test names and the documentation) and what the MTA sends.</summary>
    public sealed record Step(string Name, Func<MilterClient, Task> Run)
    {
        public override string ToString() => Name;
    }

    private static readonly KeyValuePair<string, string>[] QueueMacro = [new("i", QueueId)];

    public static IReadOnlyList<Step> Steps { get; } =
    [
        new("OPTNEG", client => client.NegotiateAsync(MtaProfile.Postfix6)),
        new("MACRO for CONNECT", client => client.SendAsync(new MacroCommand(CommandCode.Connect, [new("j", "mx.example.com"), new("{daemon_name}", "smtpd")]))),
        new("CONNECT", client => Expect(client.ConnectAsync("localhost", ConnectionFamily.Inet, 40000, "127.0.0.1"))),
        new("MACRO for MAIL", client => client.SendAsync(new MacroCommand(CommandCode.Mail, [new("i", QueueId), new("{mail_addr}", "alice@example.com")]))),
        new("MAIL", client => Expect(client.MailAsync(["<alice@example.com>"]))),
        new("MACRO for RCPT", client => client.SendAsync(new MacroCommand(CommandCode.Recipient, [new("{rcpt_addr}", "bob@example.net")]))),
        new("RCPT", client => Expect(client.RecipientAsync(["<bob@example.net>"]))),
        new("HEADER From", client => Expect(client.MessageHeaderAsync("From", " Alice <alice@example.com>"u8, QueueMacro))),
        new("HEADER Subject", client => Expect(client.MessageHeaderAsync("Subject", " fault injection"u8, QueueMacro))),
        new("EOH", client => Expect(client.EndOfHeadersAsync(QueueMacro))),
        new("BODY", client => Expect(client.BodyChunkAsync("a body line\r\n"u8.ToArray(), QueueMacro))),
        new("BODYEOB (reply not read)", client => client.SendAsync(new EndOfMessageCommand(ReadOnlySequence<byte>.Empty))),
    ];

    /// <summary>Runs the steps up to and including the one named <paramref name="lastStep"/>.</summary>
    public static async Task RunThroughAsync(MilterClient client, string lastStep)
    {
        foreach (var step in Steps)
        {
            await step.Run(client);
            if (step.Name == lastStep)
            {
                return;
            }
        }

        throw new ArgumentException($"no step {lastStep}", nameof(lastStep));
    }

    private static async Task Expect(Task<MilterReply> reply)
    {
        var answer = await reply;
        Assert.True(answer.Code == ReplyCode.Continue, $"expected continue, got {answer}");
    }
}
