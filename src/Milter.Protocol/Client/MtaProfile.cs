namespace Milter.Protocol.Client;

/// <summary>What an MTA offers in OPTNEG. The Postfix profiles are what Postfix 3.7 really sends.</summary>
public sealed record MtaProfile(uint Version, MilterActions Actions, ProtocolOptions Protocol)
{
    /// <summary>Postfix with <c>milter_protocol = 2</c> (the seed's setting): version 2, actions 0x1FF, protocol 0x7F.</summary>
    public static MtaProfile Postfix2 { get; } = new(2, (MilterActions)0x1FF, (ProtocolOptions)0x7F);

    /// <summary>Postfix with <c>milter_protocol = 3</c>.</summary>
    public static MtaProfile Postfix3 { get; } = new(3, (MilterActions)0x1FF, (ProtocolOptions)0x17F);

    /// <summary>Postfix with <c>milter_protocol = 4</c>.</summary>
    public static MtaProfile Postfix4 { get; } = new(4, (MilterActions)0x1FF, (ProtocolOptions)0x37F);

    /// <summary>Postfix's default, <c>milter_protocol = 6</c>: version 6, actions 0x1FF, protocol 0x1FFFFF.</summary>
    public static MtaProfile Postfix6 { get; } = new(6, (MilterActions)0x1FF, (ProtocolOptions)0x1FFFFF);
}
