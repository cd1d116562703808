using System.Buffers;
using Milter.Protocol.Replies;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Replies;

/// <summary>Every reply, encoded (milter side) and decoded (MTA side) against packets written out by hand.</summary>
public class ReplyCodecTests
{
    private static readonly Dictionary<string, (MilterReply Reply, byte[] Packet)> Cases = new()
    {
        ["c continue"] = (SimpleReply.Continue, Hex("00 00 00 01 63")),
        ["a accept"] = (SimpleReply.Accept, Hex("00 00 00 01 61")),
        ["r reject"] = (SimpleReply.Reject, Hex("00 00 00 01 72")),
        ["t tempfail"] = (SimpleReply.TempFail, Hex("00 00 00 01 74")),
        ["d discard"] = (SimpleReply.Discard, Hex("00 00 00 01 64")),
        ["4 shutdown"] = (SimpleReply.Shutdown, Hex("00 00 00 01 34")),
        ["p progress"] = (SimpleReply.Progress, Hex("00 00 00 01 70")),
        ["s skip"] = (SimpleReply.Skip, Hex("00 00 00 01 73")),
        ["f conn_fail"] = (SimpleReply.ConnectionFail, Hex("00 00 00 01 66")),
        ["y replycode"] = (new ReplyWithCodeReply("550 5.7.1 text"),
            Concat(Hex("00 00 00 10"), Ascii("y"), Ascii("550 5.7.1 text\0"))),
        ["y multi-line"] = (new ReplyWithCodeReply("550-5.7.1 a\r\n550 5.7.1 b"),
            Concat(Hex("00 00 00 1A"), Ascii("y"), Ascii("550-5.7.1 a\r\n550 5.7.1 b\0"))),
        ["q quarantine"] = (new QuarantineReply("held for review"),
            Concat(Hex("00 00 00 11"), Ascii("q"), Ascii("held for review\0"))),
        ["h addheader"] = (new AddHeaderReply("X-Test", Ascii("a\n\tb")),
            Concat(Hex("00 00 00 0D"), Ascii("h"), Ascii("X-Test\0"), Ascii("a\n\tb\0"))),
        ["h addheader 8-bit"] = (new AddHeaderReply("X-8", Hex("C3 A9 FF")),
            Concat(Hex("00 00 00 09"), Ascii("h"), Ascii("X-8\0"), Hex("C3 A9 FF 00"))),
        ["i insheader"] = (new InsertHeaderReply(0, "DKIM-Signature", Ascii(" v=1")),
            Concat(Hex("00 00 00 19"), Ascii("i"), Hex("00 00 00 00"), Ascii("DKIM-Signature\0"), Ascii(" v=1\0"))),
        ["i insheader index 258"] = (new InsertHeaderReply(258, "X", Ascii("y")),
            Concat(Hex("00 00 00 09"), Ascii("i"), Hex("00 00 01 02"), Ascii("X\0"), Ascii("y\0"))),
        ["m chgheader"] = (new ChangeHeaderReply(1, "Subject", Ascii("new")),
            Concat(Hex("00 00 00 11"), Ascii("m"), Hex("00 00 00 01"), Ascii("Subject\0"), Ascii("new\0"))),
        ["m chgheader empty = delete"] = (new ChangeHeaderReply(2, "X-Spam", ReadOnlyMemory<byte>.Empty),
            Concat(Hex("00 00 00 0D"), Ascii("m"), Hex("00 00 00 02"), Ascii("X-Spam\0"), Hex("00"))),
        ["+ addrcpt"] = (new AddRecipientReply("<c@example.org>"),
            Concat(Hex("00 00 00 11"), Ascii("+"), Ascii("<c@example.org>\0"))),
        ["- delrcpt"] = (new DeleteRecipientReply("<c@example.org>"),
            Concat(Hex("00 00 00 11"), Ascii("-"), Ascii("<c@example.org>\0"))),
        ["2 addrcpt_par"] = (new AddRecipientWithArgumentsReply("<c@example.org>", "NOTIFY=NEVER"),
            Concat(Hex("00 00 00 1E"), Ascii("2"), Ascii("<c@example.org>\0"), Ascii("NOTIFY=NEVER\0"))),
        ["e chgfrom with args"] = (new ChangeFromReply("<s@example.org>", "SIZE=1"),
            Concat(Hex("00 00 00 18"), Ascii("e"), Ascii("<s@example.org>\0"), Ascii("SIZE=1\0"))),
        ["e chgfrom without args"] = (new ChangeFromReply("<s@example.org>", null),
            Concat(Hex("00 00 00 11"), Ascii("e"), Ascii("<s@example.org>\0"))),
        ["b replbody"] = (new ReplaceBodyReply(Ascii("new body\r\n")),
            Concat(Hex("00 00 00 0B"), Ascii("b"), Ascii("new body\r\n"))),
        ["b replbody empty"] = (new ReplaceBodyReply(ReadOnlyMemory<byte>.Empty), Hex("00 00 00 01 62")),
        // What the real OpenDKIM answers to Postfix at version 6.
        ["O optneg"] = (new NegotiationReply(6, (MilterActions)0x111, (ProtocolOptions)0x100702, new Dictionary<MacroStage, string>()),
            Concat(Hex("00 00 00 0D"), Ascii("O"), Hex("00 00 00 06"), Hex("00 00 01 11"), Hex("00 10 07 02"))),
        // Pairs go out in stage order whatever the dictionary order.
        ["O optneg with macro lists"] = (new NegotiationReply(6, (MilterActions)0x111, (ProtocolOptions)0x100702,
                new Dictionary<MacroStage, string> { [MacroStage.EndOfMessage] = "i", [MacroStage.Connect] = "j {daemon_name}" }),
            Concat(Hex("00 00 00 27"), Ascii("O"), Hex("00 00 00 06"), Hex("00 00 01 11"), Hex("00 10 07 02"),
                Hex("00 00 00 00"), Ascii("j {daemon_name}\0"), Hex("00 00 00 05"), Ascii("i\0"))),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Write_produces_the_packet_byte_for_byte(string name)
    {
        var (reply, packet) = Cases[name];
        Assert.Equal(packet, Packets.Encode(reply));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_of_the_packet_gives_the_reply(string name)
    {
        var (reply, packet) = Cases[name];
        Assert.Equal(reply.Code, packet[4]);
        AssertSameReply(reply, ReplyCodec.Decode(packet[4], new ReadOnlySequence<byte>(packet[5..])));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_of_a_payload_split_anywhere_gives_the_reply(string name)
    {
        var (reply, packet) = Cases[name];
        byte[] payload = packet[5..];
        for (int first = 0; first <= payload.Length; first++)
        {
            for (int second = first; second <= payload.Length; second++)
            {
                AssertSameReply(reply, ReplyCodec.Decode(packet[4], Segments.Split(payload, first, second)));
            }
        }
    }

    [Fact]
    public void Simple_replies_decode_to_their_singletons()
    {
        foreach (byte code in "cartd4psf"u8)
        {
            var reply = ReplyCodec.Decode(code, ReadOnlySequence<byte>.Empty);
            Assert.Same(SimpleReply.FromCode(code), reply);
            Assert.Equal(code, reply.Code);
        }
    }

    [Fact]
    public void FromCode_is_null_for_replies_with_a_payload()
    {
        foreach (byte code in "yqhim+-2ebO"u8)
        {
            Assert.Null(SimpleReply.FromCode(code));
        }
    }

    [Theory]
    [InlineData('c', true)]
    [InlineData('a', true)]
    [InlineData('r', true)]
    [InlineData('t', true)]
    [InlineData('d', true)]
    [InlineData('4', true)]
    [InlineData('s', true)]
    [InlineData('p', false)]
    [InlineData('f', false)]
    public void Final_replies_are_the_step_ending_ones(char code, bool final)
    {
        Assert.Equal(final, SimpleReply.FromCode((byte)code)!.IsFinal);
    }

    [Fact]
    public void Reply_code_is_final_and_modifications_are_not()
    {
        Assert.True(new ReplyWithCodeReply("550 x").IsFinal);
        Assert.False(new AddHeaderReply("X", Ascii("y")).IsFinal);
        Assert.False(new InsertHeaderReply(0, "X", Ascii("y")).IsFinal);
        Assert.False(new ChangeHeaderReply(1, "X", Ascii("y")).IsFinal);
        Assert.False(new AddRecipientReply("a").IsFinal);
        Assert.False(new DeleteRecipientReply("a").IsFinal);
        Assert.False(new AddRecipientWithArgumentsReply("a", "b").IsFinal);
        Assert.False(new ChangeFromReply("a", null).IsFinal);
        Assert.False(new ReplaceBodyReply(Ascii("x")).IsFinal);
        Assert.False(new QuarantineReply("x").IsFinal);
    }

    public static TheoryData<string, char, string, ProtocolError> Malformed => new()
    {
        { "unknown reply code", 'Z', "", ProtocolError.UnexpectedReply },
        { "command byte as a reply", 'C', "", ProtocolError.UnexpectedReply },
        { "y without NUL", 'y', "550 5.7.1 x", ProtocolError.TruncatedPayload },
        { "y trailing bytes", 'y', "550 x\0y", ProtocolError.MalformedPayload },
        { "q without NUL", 'q', "x", ProtocolError.TruncatedPayload },
        { "h name only", 'h', "X-Test\0", ProtocolError.TruncatedPayload },
        { "h trailing bytes", 'h', "X\0y\0z", ProtocolError.MalformedPayload },
        { "i short index", 'i', "\0\0\0", ProtocolError.TruncatedPayload },
        { "m name only", 'm', "\0\0\0\x01X\0", ProtocolError.TruncatedPayload },
        { "2 without arguments", '2', "<a>\0", ProtocolError.TruncatedPayload },
        { "e arguments without NUL", 'e', "<a>\0SIZE", ProtocolError.TruncatedPayload },
        { "O short", 'O', "\0\0\0\x06\0\0\x01\x11", ProtocolError.TruncatedPayload },
        { "O stage without list", 'O', "\0\0\0\x06\0\0\x01\x11\0\0\0\0\0\0\0\x02", ProtocolError.TruncatedPayload },
        { "O list without NUL", 'O', "\0\0\0\x06\0\0\x01\x11\0\0\0\0\0\0\0\x02\0\0\0\x05i", ProtocolError.TruncatedPayload },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_replies_are_typed_protocol_errors(string name, char code, string payload, ProtocolError expected)
    {
        var ex = Assert.Throws<MilterProtocolException>(() => ReplyCodec.Decode((byte)code, new ReadOnlySequence<byte>(Ascii(payload))));
        Assert.True(expected == ex.Error, $"{name}: expected {expected}, got {ex.Error} ({ex.Message})");
    }

    [Fact]
    public void Writing_an_unknown_reply_type_is_refused()
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => ReplyCodec.Write(writer, new StrangeReply()));
        Assert.Equal(0, writer.WrittenCount);
    }

    private sealed record StrangeReply : MilterReply
    {
        public override byte Code => (byte)'?';
    }

    private static void AssertSameReply(MilterReply expected, MilterReply actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.Code, actual.Code);
        switch (expected)
        {
            case AddHeaderReply e:
            {
                var a = (AddHeaderReply)actual;
                Assert.Equal(e.Name, a.Name);
                Assert.Equal(e.Value.ToArray(), a.Value.ToArray());
                break;
            }
            case InsertHeaderReply e:
            {
                var a = (InsertHeaderReply)actual;
                Assert.Equal((e.Index, e.Name), (a.Index, a.Name));
                Assert.Equal(e.Value.ToArray(), a.Value.ToArray());
                break;
            }
            case ChangeHeaderReply e:
            {
                var a = (ChangeHeaderReply)actual;
                Assert.Equal((e.Index, e.Name), (a.Index, a.Name));
                Assert.Equal(e.Value.ToArray(), a.Value.ToArray());
                break;
            }
            case ReplaceBodyReply e:
                Assert.Equal(e.Chunk.ToArray(), ((ReplaceBodyReply)actual).Chunk.ToArray());
                break;
            case NegotiationReply e:
            {
                var a = (NegotiationReply)actual;
                Assert.Equal((e.Version, e.Actions, e.Protocol), (a.Version, a.Actions, a.Protocol));
                Assert.Equal(e.MacroRequests.OrderBy(p => p.Key), a.MacroRequests.OrderBy(p => p.Key));
                break;
            }
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }
}
