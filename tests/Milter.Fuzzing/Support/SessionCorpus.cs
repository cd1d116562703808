using System.Text;
using Milter.Fuzzing.Targets;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Handling;
using Milter.Protocol.Replies;

namespace Milter.Fuzzing.Support;

/// <summary>
/// Writes the recorded seed corpora of the session targets (<c>Milter.Fuzzing --write-session-corpus DIR</c>):
/// Postfix-like conversations, each as the bytes the MTA sent.
/// </summary>
public static class SessionCorpus
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes(
        "From: Fuzz Seed <user@example.com>\r\n" +
        "To: someone@example.net\r\n" +
        "Subject: seed message\r\n" +
        "Date: Sat, 28 Nov 2026 04:00:00 +0000\r\n" +
        "Message-ID: <seed-1@example.com>\r\n" +
        "\r\n" +
        "Hello,\r\n\r\nthis is the body of a seed message.  It has  spaces \t and\r\n\r\n\r\n");

    /// <summary>Writes DIR/session/*.bin and DIR/dkim-session/*.bin.</summary>
    public static async Task WriteAsync(string directory)
    {
        string plain = Directory.CreateDirectory(Path.Combine(directory, "session")).FullName;
        string dkim = Directory.CreateDirectory(Path.Combine(directory, "dkim-session")).FullName;

        await File.WriteAllBytesAsync(Path.Combine(plain, "postfix6-message.bin"),
            await SessionRecorder.RecordAsync(new SessionTarget.RefusingHandler(), client => SendMessageAsync(client, MtaProfile.Postfix6, "127.0.0.1", Message)));
        await File.WriteAllBytesAsync(Path.Combine(plain, "postfix2-two-messages-abort.bin"),
            await SessionRecorder.RecordAsync(new SessionTarget.RefusingHandler(), TwoMessagesAndAbortAsync));

        using var rig = DkimRig.Create();
        var log = new ProblemLogger();
        byte[] signedMessage = [];
        using (var handler = rig.CreateHandler(log))
        {
            await File.WriteAllBytesAsync(Path.Combine(dkim, "sign-loopback.bin"), await SessionRecorder.RecordAsync(handler, async client =>
            {
                var result = await SendMessageAsync(client, MtaProfile.Postfix6, "127.0.0.1", Message);
                signedMessage = WithInsertedHeaders(result, client.Negotiated!.Protocol.HasFlag(Milter.Protocol.ProtocolOptions.HeaderLeadingSpace));
            }));
        }

        using (var handler = rig.CreateHandler(log))
        {
            await File.WriteAllBytesAsync(Path.Combine(dkim, "verify-external.bin"),
                await SessionRecorder.RecordAsync(handler, client => SendMessageAsync(client, MtaProfile.Postfix6, "192.0.2.1", signedMessage)));
        }

        using (var handler = rig.CreateHandler(log))
        {
            await File.WriteAllBytesAsync(Path.Combine(dkim, "sign-postfix2.bin"),
                await SessionRecorder.RecordAsync(handler, client => SendMessageAsync(client, MtaProfile.Postfix2, "127.0.0.1", Message)));
        }

        log.ThrowIfAny("recording the DKIM seeds");
    }

    private static async Task<MessageResult> SendMessageAsync(MilterClient client, MtaProfile profile, string address, byte[] message)
    {
        await client.NegotiateAsync(profile);
        await client.ConnectAsync("client.example.net", ConnectionFamily.Inet, 25000, address, [new("j", "mx.example.org"), new("{daemon_name}", "smtpd")]);
        await client.HeloAsync("client.example.net");
        await client.MailAsync(["<user@example.com>", "SIZE=1000"], [new("{auth_type}", "")]);
        await client.RecipientAsync(["<someone@example.net>"]);
        await client.DataAsync();
        var result = await client.SendContentAsync(message, queueId: "4ABCD1234");
        await client.QuitAsync();
        return result;
    }

    private static async Task TwoMessagesAndAbortAsync(MilterClient client)
    {
        await client.NegotiateAsync(MtaProfile.Postfix2);
        await client.ConnectAsync("[192.0.2.7]", ConnectionFamily.Inet6, 587, "IPv6:2001:db8::7");
        await client.MailAsync(["<>"]);
        await client.RecipientAsync(["<tempfail@example.net>"]);
        await client.AbortAsync();
        await client.MailAsync(["<user@example.com>"]);
        await client.RecipientAsync(["<a@example.net>", "NOTIFY=NEVER"]);
        await client.SendContentAsync(Message);
        await client.QuitNewConnectionAsync();
        await client.ConnectAsync("reject", ConnectionFamily.Unknown, 0, "");
        await client.QuitAsync();
    }

    /// <summary>The message as the MTA delivers it: the milter's inserted headers on top.</summary>
    private static byte[] WithInsertedHeaders(MessageResult result, bool leadingSpace)
    {
        var output = new List<byte>();
        foreach (var reply in result.Modifications.OfType<InsertHeaderReply>())
        {
            output.AddRange(Encoding.Latin1.GetBytes(reply.Name + ":"));
            output.AddRange(HeaderValues.FromWire(reply.Value.Span, leadingSpace));
            output.AddRange("\r\n"u8.ToArray());
        }

        output.AddRange(Message);
        return [.. output];
    }
}
