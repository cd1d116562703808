using Milter.IntegrationTests.Milter;
using Milter.IntegrationTests.Postfix;

namespace Milter.IntegrationTests.Inbound;

/// <summary>Sending the corpus to a side's Postfix as an outside client, and finding each message once delivered.</summary>
internal static class InboundMail
{
    /// <summary>
    /// The SMTP client poses as an outside host (XCLIENT is allowed from loopback): mail from 127.0.0.1 would be
    /// from InternalHosts, which both milters sign for instead of verifying.
    /// </summary>
    public const string Xclient = "ADDR=192.0.2.44 NAME=mx.outside.example";

    public const string Sender = "sender@example.net";

    public const string Recipient = "rcpt@receiver.example";

    /// <summary>Generous: delivery takes milliseconds once Postfix accepted a message, but the machine may be busy.</summary>
    public static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Sends <paramref name="messages"/> in ONE SMTP session and returns their queue ids, in order.</summary>
    public static Task<IReadOnlyList<string>> SendAsync(PostfixInstance postfix, params InboundMessage[] messages)
    {
        ArgumentNullException.ThrowIfNull(postfix);
        return postfix.SendSmtpAsync(Sender, [Recipient], messages.Select(message => message.Text).ToList(), Xclient);
    }

    /// <summary>Waits until <paramref name="count"/> messages are delivered and returns them by case name (their Message-ID).</summary>
    public static async Task<IReadOnlyDictionary<string, DeliveredMessage>> DeliveredAsync(PostfixInstance postfix, int count)
    {
        ArgumentNullException.ThrowIfNull(postfix);
        var delivered = (await postfix.WaitForDeliveredAsync(count, DeliveryTimeout)).Select(bytes => new DeliveredMessage(bytes)).ToList();
        var byName = new Dictionary<string, DeliveredMessage>(StringComparer.Ordinal);
        foreach (var message in delivered)
        {
            string? id = message.Fields.FirstOrDefault(field => field.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase));
            string name = id is null ? "" : id["Message-ID:".Length..].Trim().TrimStart('<').Split('@')[0];
            if (!byName.TryAdd(name, message))
            {
                throw new InvalidOperationException($"two delivered messages have the Message-ID of case '{name}':\n{message.HeaderBlock}");
            }
        }

        return byName;
    }
}
