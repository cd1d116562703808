using Milter.IntegrationTests.Milter;
using Milter.IntegrationTests.Postfix;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// What one side did with the messages a fixture sent it: queue ids, delivered messages, and why a message is
/// missing. A fixture records a failed SMTP session here instead of throwing, so each test fails on its own case
/// with the reason, rather than the whole class failing at set-up.
/// </summary>
internal sealed class SideRun(IInboundSide side)
{
    private readonly Dictionary<string, string> _queueIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failures = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, DeliveredMessage> _delivered = new Dictionary<string, DeliveredMessage>();

    public IInboundSide Side { get; } = side;

    /// <summary>Postfix's queue id of each message accepted, by case name.</summary>
    public IReadOnlyDictionary<string, string> QueueIds => _queueIds;

    /// <summary>Sends <paramref name="messages"/> in one SMTP session; a refused message ends the session and is recorded for all of them.</summary>
    public async Task SendAsync(params InboundMessage[] messages)
    {
        try
        {
            var ids = await InboundMail.SendAsync(Side.Postfix, messages);
            foreach (var (message, id) in messages.Zip(ids))
            {
                _queueIds[message.Name] = id;
            }
        }
        catch (Exception ex) when (ex is SmtpReplyException or IOException or TimeoutException)
        {
            foreach (var message in messages)
            {
                _failures[message.Name] = $"the SMTP session carrying it failed: {ex.Message}";
            }
        }
    }

    /// <summary>Waits for every accepted message to be delivered (or the delivery timeout) and keeps them by case name.</summary>
    public async Task CollectAsync()
    {
        try
        {
            _delivered = await InboundMail.DeliveredAsync(Side.Postfix, _queueIds.Count);
        }
        catch (TimeoutException ex)
        {
            _delivered = await InboundMail.DeliveredAsync(Side.Postfix, 0);
            foreach (string name in _queueIds.Keys.Where(name => !_delivered.ContainsKey(name)))
            {
                _failures[name] = $"accepted as {_queueIds[name]} but not delivered: {ex.Message}";
            }
        }
    }

    /// <summary>The delivered message of case <paramref name="name"/>; fails the test, saying why, if there is none.</summary>
    public DeliveredMessage Delivered(string name) =>
        _delivered.TryGetValue(name, out var message)
            ? message
            : throw new Xunit.Sdk.XunitException(
                $"{Side.Name}: case {name} was not delivered: {_failures.GetValueOrDefault(name, "it was never sent")}\n{Side.Postfix.MailLogTail()}\n--- {Side.Name} output ---\n{Side.MilterOutput}");

    /// <summary>The Authentication-Results fields with our authserv-id in the delivered message of case <paramref name="name"/>.</summary>
    public IReadOnlyList<ResultsField> OwnResults(string name) => ResultsField.By(Delivered(name), InboundCorpus.AuthservId);
}
