using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.TestSupport;

/// <summary>
/// One broken conversation: valid packets first (answered normally), then the offending bytes; with
/// <see cref="ThenEof"/> the MTA closes its side right after them.
/// </summary>
internal sealed record ProtocolErrorCase(MilterCommand[] Before, byte[] Offending, bool ThenEof, ProtocolError Error, string ReasonFragment)
{
    /// <summary>Replies expected for <see cref="Before"/>: OPTNEG gets 'O', the others here get 'c'.</summary>
    public int RepliesBefore => Before.Count(c => c is not MacroCommand);

    /// <summary>True when a handler step ran before the error (so CloseAsync is owed).</summary>
    public bool HandlerSawSession => Before.Any(c => c is not OptionNegotiationCommand and not MacroCommand);

    /// <summary>True when the error hits inside a message (so AbortAsync is owed).</summary>
    public bool MessageOpen => Before.Any(c => c is MailCommand);
}

internal static class ProtocolErrorCases
{
    private static readonly MilterCommand[] Negotiated = [Cmd.Optneg6];
    private static readonly MilterCommand[] Connected = [Cmd.Optneg6, Cmd.ConnectMacros(("j", "mx")), Cmd.Connect];
    private static readonly MilterCommand[] InData = [.. Connected, Cmd.Helo, Cmd.Mail(), Cmd.Rcpt(), Cmd.Data];
    private static readonly MilterCommand[] InBody = [.. InData, Cmd.Header("Subject", "x"), Cmd.Eoh, Cmd.Body("x\r\n")];

    public static readonly Dictionary<string, ProtocolErrorCase> All = new()
    {
        ["zero length"] = new(Connected, Hex("00 00 00 00"), false, ProtocolError.ZeroLength, "length is 0"),
        ["zero length first"] = new([], Hex("00 00 00 00"), false, ProtocolError.ZeroLength, "length is 0"),
        ["over-cap length (a stray post)"] = new(Connected, Ascii("post"), false, ProtocolError.PacketTooLarge, "1886352244"),
        ["over-cap length in a message"] = new(InData, Hex("00 10 00 01 42"), false, ProtocolError.PacketTooLarge, "1048577"),
        ["unknown command byte"] = new(Connected, Hex("00 00 00 01 58"), false, ProtocolError.UnknownCommand, "'X'"),
        ["HELO without NUL"] = new(Connected, Concat(Hex("00 00 00 05"), Ascii("Hhost")), false, ProtocolError.TruncatedPayload, "HELO"),
        ["CONNECT cut after family"] = new(Negotiated, Concat(Hex("00 00 00 0C"), Ascii("C"), Ascii("localhost\0"), Ascii("4")), false,
            ProtocolError.TruncatedPayload, "CONNECT"),
        ["HEADER with only a name"] = new(InData, Concat(Hex("00 00 00 09"), Ascii("L"), Ascii("Subject\0")), false,
            ProtocolError.TruncatedPayload, "HEADER"),
        ["BODY before MAIL"] = new(Connected, Packets.Encode(Cmd.Body("x")), false, ProtocolError.OutOfPhase, "BODY"),
        ["CONNECT twice"] = new(Connected, Packets.Encode(Cmd.Connect), false, ProtocolError.OutOfPhase, "CONNECT"),
        ["header after body"] = new(InBody, Packets.Encode(Cmd.Header("X", "y")), false, ProtocolError.OutOfPhase, "HEADER"),
        ["OPTNEG twice"] = new(Negotiated, Packets.Encode(Cmd.Optneg6), false, ProtocolError.OutOfPhase, "OPTNEG"),
        ["CONNECT before OPTNEG"] = new([], Packets.Encode(Cmd.Connect), false, ProtocolError.OutOfPhase, "CONNECT"),
        ["RCPT before MAIL"] = new(Connected, Packets.Encode(Cmd.Rcpt()), false, ProtocolError.OutOfPhase, "RCPT"),
        ["truncated packet at EOF"] = new(Connected, Concat(Hex("00 00 00 10"), Ascii("Hab")), true, ProtocolError.TruncatedPacket, "inside a packet"),
        ["truncated length at EOF"] = new(InData, Hex("00 00"), true, ProtocolError.TruncatedPacket, "inside a packet"),
        ["protocol version 1 offered"] = new([], Packets.Encode(new OptionNegotiationCommand(1, (MilterActions)0x1FF, (ProtocolOptions)0x7F)), false,
            ProtocolError.UnsupportedVersion, "version 1"),
        ["protocol version 0 offered"] = new([], Packets.Encode(new OptionNegotiationCommand(0, (MilterActions)0x1FF, (ProtocolOptions)0x7F)), false,
            ProtocolError.UnsupportedVersion, "version 0"),
    };

    public static TheoryData<string> Names => [.. All.Keys];

    public static MtaProfile Profile => MtaProfile.Postfix6;
}
