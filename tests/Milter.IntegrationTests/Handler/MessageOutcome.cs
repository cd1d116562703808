using System.Text;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.IntegrationTests.Handler;

/// <summary>
/// What the milter answered for one message: the step that decided it (EOH or EOM), the final reply and the
/// header changes sent before it, values as they went on the wire.
/// </summary>
internal sealed record MessageOutcome(string DecidedAt, MilterReply Final, IReadOnlyList<MilterReply> Modifications, bool LeadingSpace)
{
    public IReadOnlyList<InsertHeaderReply> Inserts => Modifications.OfType<InsertHeaderReply>().ToList();

    /// <summary>The wire value of the one Authentication-Results field inserted at the top.</summary>
    public string ResultsValue
    {
        get
        {
            var insert = Assert.Single(Inserts, insert => insert.Name == "Authentication-Results");
            Assert.Equal(0u, insert.Index);
            return Text(insert.Value);
        }
    }

    /// <summary>The SMFIR_REPLYCODE text, e.g. "550 5.7.0 bad DKIM signature data".</summary>
    public string ReplyText => Assert.IsType<ReplyWithCodeReply>(Final).Text;

    /// <summary>
    /// The message goes on to delivery: at end of message the milter continued or accepted (OpenDKIM answers
    /// accept, we continue: Postfix delivers either way).
    /// </summary>
    public void AssertDelivered()
    {
        Assert.Equal("EOM", DecidedAt);
        Assert.True(Final.Code is ReplyCode.Continue or ReplyCode.Accept, $"expected continue or accept, got {Final}");
    }

    public static string Text(ReadOnlyMemory<byte> value) => Encoding.UTF8.GetString(value.Span);

    /// <summary>Each modification as "KIND[index] Name: value", for comparing whole sequences in one assertion.</summary>
    public IReadOnlyList<string> Describe() => Modifications.Select(modification => modification switch
    {
        InsertHeaderReply insert => $"INSHEADER[{insert.Index}] {insert.Name}: {Text(insert.Value)}",
        ChangeHeaderReply change => $"CHGHEADER[{change.Index}] {change.Name}: {Text(change.Value)}",
        AddHeaderReply add => $"ADDHEADER {add.Name}: {Text(add.Value)}",
        QuarantineReply quarantine => $"QUARANTINE {quarantine.Reason}",
        _ => modification.ToString(),
    }).ToList();
}
