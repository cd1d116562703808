using Milter.IntegrationTests.Postfix;

namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// One milter (our daemon or the real OpenDKIM) with a private Postfix of its own calling it for SMTP mail. The
/// tests send the same messages to each side and compare what each side's Postfix delivered or answered.
/// </summary>
internal interface IInboundSide : IAsyncDisposable
{
    /// <summary>"dkim-milter" or "OpenDKIM", for assertion messages.</summary>
    string Name { get; }

    PostfixInstance Postfix { get; }

    /// <summary>What the milter process wrote so far, for assertion messages.</summary>
    string MilterOutput { get; }
}
