namespace Milter.Protocol.Handling;

/// <summary>What the MTA offered in OPTNEG.</summary>
public sealed record NegotiationOffer(uint Version, MilterActions Actions, ProtocolOptions Protocol);

/// <summary>
/// What a handler asks for: the actions it may use at end of message, the protocol flags it wants (steps to
/// skip, steps it never replies to, HDR_LEADSPC, SKIP), and optionally the macros it wants per stage. The
/// engine grants only what the MTA offered.
/// </summary>
public sealed record MilterNegotiation(MilterActions Actions, ProtocolOptions Protocol,
    IReadOnlyDictionary<MacroStage, string>? MacroRequests = null)
{
    /// <summary>Nothing asked for: every step is sent and answered, no modifications.</summary>
    public static MilterNegotiation Default { get; } = new(MilterActions.None, ProtocolOptions.None);

    /// <summary>
    /// Actions the handler cannot work without. An MTA that does not offer all of them is refused at OPTNEG (the
    /// session closes with a warning naming them, as libmilter-based filters do), rather than failing every
    /// message later.
    /// </summary>
    public MilterActions RequiredActions { get; init; }
}

/// <summary>The outcome of OPTNEG for one milter connection.</summary>
public sealed record NegotiatedProtocol(uint Version, MilterActions Actions, ProtocolOptions Protocol)
{
    /// <summary>The highest protocol version this engine speaks.</summary>
    public const uint HighestVersion = 6;

    /// <summary>The lowest protocol version this engine accepts (as libmilter).</summary>
    public const uint LowestVersion = 2;

    /// <summary>True if <paramref name="option"/> was negotiated.</summary>
    public bool Has(ProtocolOptions option) => (Protocol & option) == option;

    /// <summary>True if <paramref name="action"/> was negotiated.</summary>
    public bool Has(MilterActions action) => (Actions & action) == action;

    /// <summary>Header values travel with their leading whitespace (HDR_LEADSPC).</summary>
    public bool HeaderLeadingSpace => Has(ProtocolOptions.HeaderLeadingSpace);
}
