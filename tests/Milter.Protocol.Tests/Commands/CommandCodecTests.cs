using System.Buffers;
using Milter.Protocol.Commands;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Commands;

/// <summary>
/// Every command, encoded (MTA side) and decoded (milter side) against packets written out by hand:
/// length (u32 BE, counts the command byte), command byte, payload.
/// </summary>
public class CommandCodecTests
{
    private static readonly byte[] BodyData = [.. Enumerable.Range(0, 65535).Select(i => (byte)(i * 7))];

    public static TheoryData<string> Names => [.. Cases.Keys];

    /// <summary>Each case: the command, and its packet as Postfix would put it on the wire.</summary>
    private static readonly Dictionary<string, (MilterCommand Command, byte[] Packet)> Cases = new()
    {
        ["OPTNEG v6"] = (new OptionNegotiationCommand(6, (MilterActions)0x1FF, (ProtocolOptions)0x1FFFFF),
            Concat(Hex("00 00 00 0D"), Ascii("O"), Hex("00 00 00 06"), Hex("00 00 01 FF"), Hex("00 1F FF FF"))),
        ["OPTNEG v2"] = (new OptionNegotiationCommand(2, (MilterActions)0x1FF, (ProtocolOptions)0x7F),
            Concat(Hex("00 00 00 0D"), Ascii("O"), Hex("00 00 00 02"), Hex("00 00 01 FF"), Hex("00 00 00 7F"))),
        ["MACRO"] = (Packets.Macros((byte)'C', ("j", "mx.example"), ("{daemon_name}", "smtpd")),
            Concat(Hex("00 00 00 23"), Ascii("D"), Ascii("C"), Ascii("j\0mx.example\0{daemon_name}\0smtpd\0"))),
        ["MACRO empty list"] = (Packets.Macros((byte)'M'),
            Concat(Hex("00 00 00 02"), Ascii("D"), Ascii("M"))),
        ["MACRO empty value"] = (Packets.Macros((byte)'E', ("i", "")),
            Concat(Hex("00 00 00 05"), Ascii("D"), Ascii("E"), Ascii("i\0\0"))),
        // Captured from Postfix 3.7: localhost\0 4 86da 127.0.0.1\0
        ["CONNECT inet"] = (new ConnectCommand("localhost", ConnectionFamily.Inet, 34522, "127.0.0.1"),
            Concat(Hex("00 00 00 18"), Ascii("C"), Ascii("localhost\0"), Ascii("4"), Hex("86 DA"), Ascii("127.0.0.1\0"))),
        ["CONNECT inet6"] = (new ConnectCommand("mail.example", ConnectionFamily.Inet6, 25, "2001:db8::1"),
            Concat(Hex("00 00 00 1D"), Ascii("C"), Ascii("mail.example\0"), Ascii("6"), Hex("00 19"), Ascii("2001:db8::1\0"))),
        ["CONNECT unix"] = (new ConnectCommand("localhost", ConnectionFamily.Unix, 0, "/tmp/s"),
            Concat(Hex("00 00 00 15"), Ascii("C"), Ascii("localhost\0"), Ascii("L"), Hex("00 00"), Ascii("/tmp/s\0"))),
        ["CONNECT unknown"] = (new ConnectCommand("unknown", ConnectionFamily.Unknown, 0, ""),
            Concat(Hex("00 00 00 0A"), Ascii("C"), Ascii("unknown\0"), Ascii("U"))),
        ["CONNECT unverified name"] = (new ConnectCommand("[192.0.2.1]", ConnectionFamily.Inet, 1025, "192.0.2.1"),
            Concat(Hex("00 00 00 1A"), Ascii("C"), Ascii("[192.0.2.1]\0"), Ascii("4"), Hex("04 01"), Ascii("192.0.2.1\0"))),
        ["HELO"] = (new HeloCommand("mx.example.org"),
            Concat(Hex("00 00 00 10"), Ascii("H"), Ascii("mx.example.org\0"))),
        ["MAIL with ESMTP args"] = (new MailCommand(["<a@example.org>", "SIZE=100", "BODY=8BITMIME"]),
            Concat(Hex("00 00 00 28"), Ascii("M"), Ascii("<a@example.org>\0SIZE=100\0BODY=8BITMIME\0"))),
        ["MAIL null sender"] = (new MailCommand([""]),
            Concat(Hex("00 00 00 02"), Ascii("M"), Hex("00"))),
        ["MAIL null sender, SMTP"] = (new MailCommand(["<>"]),
            Concat(Hex("00 00 00 04"), Ascii("M"), Ascii("<>\0"))),
        ["RCPT"] = (new RecipientCommand(["<b@example.org>"]),
            Concat(Hex("00 00 00 11"), Ascii("R"), Ascii("<b@example.org>\0"))),
        ["RCPT with ESMTP args"] = (new RecipientCommand(["<b@example.org>", "NOTIFY=NEVER"]),
            Concat(Hex("00 00 00 1E"), Ascii("R"), Ascii("<b@example.org>\0NOTIFY=NEVER\0"))),
        ["DATA"] = (new DataCommand(), Concat(Hex("00 00 00 01"), Ascii("T"))),
        ["UNKNOWN"] = (new UnknownCommand("XFOO bar"),
            Concat(Hex("00 00 00 0A"), Ascii("U"), Ascii("XFOO bar\0"))),
        ["HEADER 8-bit value"] = (new HeaderCommand("Subject", Hex("63 61 66 C3 A9 20 FF 0A 09 78")),
            Concat(Hex("00 00 00 14"), Ascii("L"), Ascii("Subject\0"), Hex("63 61 66 C3 A9 20 FF 0A 09 78"), Hex("00"))),
        ["HEADER empty value"] = (new HeaderCommand("X-Empty", Array.Empty<byte>()),
            Concat(Hex("00 00 00 0A"), Ascii("L"), Ascii("X-Empty\0"), Hex("00"))),
        ["HEADER 8-bit name"] = (new HeaderCommand("X-\u00E9", Ascii(" v")),
            Concat(Hex("00 00 00 08"), Ascii("L"), Hex("58 2D E9 00"), Ascii(" v\0"))),
        ["EOH"] = (new EndOfHeadersCommand(), Concat(Hex("00 00 00 01"), Ascii("N"))),
        ["BODY 65535 bytes"] = (new BodyCommand(new ReadOnlySequence<byte>(BodyData)),
            Concat(Hex("00 01 00 00"), Ascii("B"), BodyData)),
        ["BODY one byte"] = (new BodyCommand(new ReadOnlySequence<byte>(Ascii("\n"))),
            Concat(Hex("00 00 00 02"), Ascii("B"), Ascii("\n"))),
        ["BODYEOB"] = (new EndOfMessageCommand(ReadOnlySequence<byte>.Empty), Concat(Hex("00 00 00 01"), Ascii("E"))),
        ["BODYEOB with data"] = (new EndOfMessageCommand(new ReadOnlySequence<byte>(Ascii("x\r\n"))),
            Concat(Hex("00 00 00 04"), Ascii("E"), Ascii("x\r\n"))),
        ["ABORT"] = (new AbortCommand(), Concat(Hex("00 00 00 01"), Ascii("A"))),
        ["QUIT"] = (new QuitCommand(), Concat(Hex("00 00 00 01"), Ascii("Q"))),
        ["QUIT_NC"] = (new QuitNewConnectionCommand(), Concat(Hex("00 00 00 01"), Ascii("K"))),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Write_produces_the_packet_byte_for_byte(string name)
    {
        var (command, packet) = Cases[name];
        Assert.Equal(packet, Packets.Encode(command));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_of_the_packet_gives_the_command(string name)
    {
        var (command, packet) = Cases[name];
        var (code, payload) = Assert.Single(Packets.Split(packet));
        Assert.Equal(command.Code, code);
        AssertSameCommand(command, CommandCodec.Decode(code, new ReadOnlySequence<byte>(payload)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_of_a_payload_split_anywhere_gives_the_command(string name)
    {
        var (command, packet) = Cases[name];
        byte[] payload = packet[5..];
        // Every split for the small ones; a sample for the 64 KiB body.
        int step = payload.Length > 1000 ? 4099 : 1;
        for (int cut = 0; cut <= payload.Length; cut += step)
        {
            AssertSameCommand(command, CommandCodec.Decode(packet[4], Segments.Split(payload, cut)));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_then_Write_round_trips(string name)
    {
        var (_, packet) = Cases[name];
        var decoded = CommandCodec.Decode(packet[4], new ReadOnlySequence<byte>(packet[5..]));
        Assert.Equal(packet, Packets.Encode(decoded));
    }

    [Fact]
    public void The_body_packet_has_length_field_65536()
    {
        var packet = Cases["BODY 65535 bytes"].Packet;
        Assert.Equal(4 + 65536, packet.Length);
        Assert.Equal(Hex("00 01 00 00 42"), packet[..5]);
    }

    [Fact]
    public void The_captured_CONNECT_has_port_34522()
    {
        var connect = Assert.IsType<ConnectCommand>(CommandCodec.Decode((byte)'C',
            new ReadOnlySequence<byte>(Concat(Ascii("localhost\0"), Ascii("4"), Hex("86 DA"), Ascii("127.0.0.1\0")))));
        Assert.Equal(new ConnectCommand("localhost", ConnectionFamily.Inet, 34522, "127.0.0.1"), connect);
    }

    [Theory]
    [InlineData("IPv6:2001:db8::1")]
    [InlineData("ipv6:2001:db8::1")]
    [InlineData("2001:db8::1")]
    public void CONNECT_inet6_address_loses_the_IPv6_prefix(string onTheWire)
    {
        byte[] payload = Concat(Ascii("mail.example\0"), Ascii("6"), Hex("00 19"), Ascii(onTheWire + "\0"));
        var connect = Assert.IsType<ConnectCommand>(CommandCodec.Decode((byte)'C', new ReadOnlySequence<byte>(payload)));
        Assert.Equal(new ConnectCommand("mail.example", ConnectionFamily.Inet6, 25, "2001:db8::1"), connect);
    }

    [Fact]
    public void CONNECT_inet_address_keeps_anything_that_looks_like_a_prefix()
    {
        // Only family 6 is stripped.
        byte[] payload = Concat(Ascii("h\0"), Ascii("L"), Hex("00 00"), Ascii("IPv6:x\0"));
        var connect = Assert.IsType<ConnectCommand>(CommandCodec.Decode((byte)'C', new ReadOnlySequence<byte>(payload)));
        Assert.Equal("IPv6:x", connect.Address);
    }

    [Fact]
    public void OPTNEG_ignores_bytes_after_the_three_fields_like_libmilter()
    {
        byte[] payload = Hex("00 00 00 06 00 00 01 FF 00 1F FF FF 00 00 00 00");
        var offer = Assert.IsType<OptionNegotiationCommand>(CommandCodec.Decode((byte)'O', new ReadOnlySequence<byte>(payload)));
        Assert.Equal(new OptionNegotiationCommand(6, (MilterActions)0x1FF, (ProtocolOptions)0x1FFFFF), offer);
    }

    [Theory]
    [InlineData((byte)'T')]
    [InlineData((byte)'N')]
    [InlineData((byte)'A')]
    [InlineData((byte)'Q')]
    [InlineData((byte)'K')]
    public void Payload_of_payloadless_commands_is_ignored(byte code)
    {
        var command = CommandCodec.Decode(code, new ReadOnlySequence<byte>(Ascii("junk")));
        Assert.Equal(code, command.Code);
    }

    [Fact]
    public void BODY_decoding_does_not_copy()
    {
        var payload = Segments.Create(Ascii("ab"), Ascii("cd"));
        var body = Assert.IsType<BodyCommand>(CommandCodec.Decode((byte)'B', payload));
        Assert.Equal(payload, body.Chunk);
    }

    [Fact]
    public void Writing_a_multi_segment_body_concatenates_the_segments()
    {
        var body = new BodyCommand(Segments.Create(Ascii("ab"), [], Ascii("cde")));
        Assert.Equal(Concat(Hex("00 00 00 06"), Ascii("Babcde")), Packets.Encode(body));
    }

    public static TheoryData<string, byte, string, ProtocolError> Malformed => new()
    {
        { "unknown command", (byte)'X', "", ProtocolError.UnknownCommand },
        { "unknown command NUL", 0, "", ProtocolError.UnknownCommand },
        { "lower-case reply byte as a command", (byte)'c', "", ProtocolError.UnknownCommand },
        { "OPTNEG short", (byte)'O', "\0\0\0\x06\0\0\x01\xFF\0\0", ProtocolError.TruncatedPayload },
        { "OPTNEG empty", (byte)'O', "", ProtocolError.TruncatedPayload },
        { "MACRO without command byte", (byte)'D', "", ProtocolError.TruncatedPayload },
        { "MACRO name without value", (byte)'D', "Cj\0", ProtocolError.TruncatedPayload },
        { "MACRO value without NUL", (byte)'D', "Cj\0mx", ProtocolError.TruncatedPayload },
        { "CONNECT empty", (byte)'C', "", ProtocolError.TruncatedPayload },
        { "CONNECT host without NUL", (byte)'C', "localhost", ProtocolError.TruncatedPayload },
        { "CONNECT cut after family", (byte)'C', "localhost\0" + "4", ProtocolError.TruncatedPayload },
        { "CONNECT cut in port", (byte)'C', "localhost\0" + "4\x86", ProtocolError.TruncatedPayload },
        { "CONNECT address without NUL", (byte)'C', "localhost\0" + "4\x86\xDA" + "127.0.0.1", ProtocolError.TruncatedPayload },
        { "CONNECT unknown family", (byte)'C', "localhost\0X\x86\xDA" + "127.0.0.1\0", ProtocolError.MalformedPayload },
        { "CONNECT U with trailing bytes", (byte)'C', "localhost\0U\0\0", ProtocolError.MalformedPayload },
        { "CONNECT trailing bytes", (byte)'C', "localhost\0" + "4\x86\xDA" + "127.0.0.1\0x", ProtocolError.MalformedPayload },
        { "HELO without NUL", (byte)'H', "mx.example.org", ProtocolError.TruncatedPayload },
        { "HELO empty payload", (byte)'H', "", ProtocolError.TruncatedPayload },
        { "HELO trailing bytes", (byte)'H', "a\0b\0", ProtocolError.MalformedPayload },
        { "MAIL empty payload", (byte)'M', "", ProtocolError.TruncatedPayload },
        { "MAIL argument without NUL", (byte)'M', "<a@b>\0SIZE=1", ProtocolError.TruncatedPayload },
        { "RCPT without NUL", (byte)'R', "<a@b>", ProtocolError.TruncatedPayload },
        { "UNKNOWN without NUL", (byte)'U', "XFOO", ProtocolError.TruncatedPayload },
        { "UNKNOWN trailing bytes", (byte)'U', "XFOO\0x", ProtocolError.MalformedPayload },
        { "HEADER only a name", (byte)'L', "Subject\0", ProtocolError.TruncatedPayload },
        { "HEADER name without NUL", (byte)'L', "Subject", ProtocolError.TruncatedPayload },
        { "HEADER trailing bytes", (byte)'L', "Subject\0hi\0x", ProtocolError.MalformedPayload },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_payloads_are_typed_protocol_errors(string name, byte code, string payload, ProtocolError expected)
    {
        var ex = Assert.Throws<MilterProtocolException>(() => CommandCodec.Decode(code, new ReadOnlySequence<byte>(Ascii(payload))));
        Assert.True(expected == ex.Error, $"{name}: expected {expected}, got {ex.Error} ({ex.Message})");
    }

    [Fact]
    public void The_truncation_message_names_the_command_and_the_missing_field()
    {
        var ex = Assert.Throws<MilterProtocolException>(() => CommandCodec.Decode((byte)'C', new ReadOnlySequence<byte>(Ascii("localhost\0" + "4"))));
        Assert.Contains("CONNECT", ex.Message, StringComparison.Ordinal);
        Assert.Contains("port", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_UTF8_in_envelope_strings_does_not_fail()
    {
        var mail = Assert.IsType<MailCommand>(CommandCodec.Decode((byte)'M', new ReadOnlySequence<byte>(Hex("3C FF 3E 00"))));
        Assert.Equal("<\uFFFD>", Assert.Single(mail.Arguments));
    }

    [Fact]
    public void UTF8_envelope_strings_round_trip()
    {
        var mail = new MailCommand(["<j\u00F6rg@b\u00FCcher.example>", "SMTPUTF8"]);
        byte[] packet = Packets.Encode(mail);
        var decoded = Assert.IsType<MailCommand>(CommandCodec.Decode(packet[4], new ReadOnlySequence<byte>(packet[5..])));
        Assert.Equal(mail.Arguments, decoded.Arguments);
        Assert.Equal(Ascii("<j\xC3\xB6rg@b\xC3\xBC" + "cher.example>\0SMTPUTF8\0"), packet[5..]);
    }

    private static void AssertSameCommand(MilterCommand expected, MilterCommand actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected)
        {
            case MacroCommand e:
            {
                var a = (MacroCommand)actual;
                Assert.Equal(e.ForCommand, a.ForCommand);
                Assert.Equal(e.Macros, a.Macros);
                break;
            }
            case MailCommand e:
                Assert.Equal(e.Arguments, ((MailCommand)actual).Arguments);
                break;
            case RecipientCommand e:
                Assert.Equal(e.Arguments, ((RecipientCommand)actual).Arguments);
                break;
            case HeaderCommand e:
            {
                var a = (HeaderCommand)actual;
                Assert.Equal(e.Name, a.Name);
                Assert.Equal(e.Value.ToArray(), a.Value.ToArray());
                break;
            }
            case BodyCommand e:
                Assert.Equal(e.Chunk.ToArray(), ((BodyCommand)actual).Chunk.ToArray());
                break;
            case EndOfMessageCommand e:
                Assert.Equal(e.FinalChunk.ToArray(), ((EndOfMessageCommand)actual).FinalChunk.ToArray());
                break;
            default:
                // The other records compare by value (strings, numbers, enums).
                Assert.Equal(expected, actual);
                break;
        }
    }
}
