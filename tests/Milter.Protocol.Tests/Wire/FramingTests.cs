using System.Buffers;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Wire;

public class FramingTests
{
    /// <summary>A conversation as Postfix writes it: OPTNEG, MACRO+CONNECT, HEADER, an empty-payload EOH, BODY.</summary>
    private static readonly byte[] Conversation = Concat(
        Hex("00 00 00 0D"), Ascii("O"), Hex("00 00 00 06 00 00 01 FF 00 1F FF FF"),
        Hex("00 00 00 07"), Ascii("D"), Ascii("C"), Ascii("j\0mx\0"),
        Hex("00 00 00 18"), Ascii("C"), Ascii("localhost\0"), Ascii("4"), Hex("86 DA"), Ascii("127.0.0.1\0"),
        Hex("00 00 00 0C"), Ascii("L"), Ascii("Subject\0hi\0"),
        Hex("00 00 00 01"), Ascii("N"),
        Hex("00 00 00 06"), Ascii("B"), Ascii("ab\r\n\0"));

    /// <summary>(command, payload, packet length including the length field) of <see cref="Conversation"/>.</summary>
    private static readonly (byte Code, byte[] Payload, int Size)[] Expected =
    [
        ((byte)'O', Hex("00 00 00 06 00 00 01 FF 00 1F FF FF"), 17),
        ((byte)'D', Ascii("Cj\0mx\0"), 11),
        ((byte)'C', Ascii("localhost\0" + "4\x86\xDA" + "127.0.0.1\0"), 28),
        ((byte)'L', Ascii("Subject\0hi\0"), 16),
        ((byte)'N', [], 5),
        ((byte)'B', Ascii("ab\r\n\0"), 10),
    ];

    [Fact]
    public void The_test_stream_is_what_the_expectations_say()
    {
        Assert.Equal(Expected.Sum(e => e.Size), Conversation.Length);
    }

    [Fact]
    public void One_piece_decodes_every_packet()
    {
        AssertDecodesToExpected(new ReadOnlySequence<byte>(Conversation));
    }

    [Fact]
    public void Every_prefix_yields_exactly_the_complete_packets_and_consumes_nothing_of_the_incomplete_one()
    {
        for (int length = 0; length < Conversation.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(Conversation, 0, length);
            int complete = 0;
            int consumed = 0;
            while (true)
            {
                var before = buffer;
                if (!MilterFraming.TryReadPacket(ref buffer, MilterFraming.DefaultMaxPacketLength, out byte code, out var payload))
                {
                    // Nothing consumed: the same bytes, from the same position.
                    Assert.Equal(before.Length, buffer.Length);
                    Assert.Equal(before.Start, buffer.Start);
                    break;
                }

                Assert.Equal(Expected[complete].Code, code);
                Assert.Equal(Expected[complete].Payload, payload.ToArray());
                consumed += Expected[complete].Size;
                complete++;
            }

            Assert.True(consumed <= length);
            int expectedComplete = 0;
            for (int sum = 0; expectedComplete < Expected.Length && sum + Expected[expectedComplete].Size <= length; expectedComplete++)
            {
                sum += Expected[expectedComplete].Size;
            }

            Assert.Equal(expectedComplete, complete);
            Assert.Equal(length - consumed, buffer.Length);
        }
    }

    [Fact]
    public void Every_prefix_of_one_packet_returns_false_and_leaves_the_buffer_alone()
    {
        byte[] packet = Conversation[17..28];
        Assert.Equal((byte)'D', packet[4]);
        for (int length = 0; length < packet.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(packet, 0, length);
            var original = buffer;
            Assert.False(MilterFraming.TryReadPacket(ref buffer, MilterFraming.DefaultMaxPacketLength, out _, out _));
            Assert.Equal(original, buffer);
        }
    }

    [Fact]
    public void Every_two_segment_split_decodes_like_one_piece()
    {
        for (int cut = 0; cut <= Conversation.Length; cut++)
        {
            AssertDecodesToExpected(Segments.Split(Conversation, cut));
        }
    }

    [Fact]
    public void Every_three_segment_split_decodes_like_one_piece()
    {
        // first <= second: includes empty middle segments.
        for (int first = 0; first <= Conversation.Length; first++)
        {
            for (int second = first; second <= Conversation.Length; second++)
            {
                AssertDecodesToExpected(Segments.Split(Conversation, first, second));
            }
        }
    }

    [Fact]
    public void Every_prefix_of_every_two_segment_split_consumes_nothing_of_an_incomplete_packet()
    {
        for (int cut = 0; cut <= Conversation.Length; cut++)
        {
            var whole = Segments.Split(Conversation, cut);
            for (long length = 0; length < whole.Length; length++)
            {
                var buffer = whole.Slice(0, length);
                while (MilterFraming.TryReadPacket(ref buffer, MilterFraming.DefaultMaxPacketLength, out _, out _))
                {
                }

                var left = buffer;
                Assert.False(MilterFraming.TryReadPacket(ref buffer, MilterFraming.DefaultMaxPacketLength, out _, out _));
                Assert.Equal(left, buffer);
            }
        }
    }

    [Fact]
    public void Zero_length_is_a_protocol_error()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("00 00 00 00 41"));
        var ex = Assert.Throws<MilterProtocolException>(() => MilterFraming.TryReadPacket(ref buffer, 1024, out _, out _));
        Assert.Equal(ProtocolError.ZeroLength, ex.Error);
    }

    [Fact]
    public void Zero_length_split_over_segments_is_a_protocol_error()
    {
        var buffer = Segments.Create(Hex("00"), Hex("00 00"), Hex("00"));
        var ex = Assert.Throws<MilterProtocolException>(() => MilterFraming.TryReadPacket(ref buffer, 1024, out _, out _));
        Assert.Equal(ProtocolError.ZeroLength, ex.Error);
    }

    [Fact]
    public void A_stray_post_is_refused_at_once_without_its_payload()
    {
        // "post" read as a length is 1886352244; only the four bytes are there.
        var buffer = new ReadOnlySequence<byte>(Ascii("post"));
        var ex = Assert.Throws<MilterProtocolException>(() =>
            MilterFraming.TryReadPacket(ref buffer, MilterFraming.DefaultMaxPacketLength, out _, out _));
        Assert.Equal(ProtocolError.PacketTooLarge, ex.Error);
        Assert.Contains("1886352244", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stray_post_split_over_segments_is_refused_too()
    {
        var buffer = Segments.Create(Ascii("p"), Ascii("os"), Ascii("t"));
        var ex = Assert.Throws<MilterProtocolException>(() =>
            MilterFraming.TryReadPacket(ref buffer, MilterFraming.DefaultMaxPacketLength, out _, out _));
        Assert.Equal(ProtocolError.PacketTooLarge, ex.Error);
    }

    [Fact]
    public void One_above_the_cap_is_refused_before_the_payload_arrives()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("00 00 00 65 42"));
        var ex = Assert.Throws<MilterProtocolException>(() => MilterFraming.TryReadPacket(ref buffer, 100, out _, out _));
        Assert.Equal(ProtocolError.PacketTooLarge, ex.Error);
    }

    [Fact]
    public void Exactly_at_the_cap_waits_for_the_payload_then_is_accepted()
    {
        byte[] packet = Concat(Hex("00 00 00 64"), Ascii("B"), Repeat((byte)'x', 99));
        var partial = new ReadOnlySequence<byte>(packet, 0, packet.Length - 1);
        Assert.False(MilterFraming.TryReadPacket(ref partial, 100, out _, out _));

        var buffer = new ReadOnlySequence<byte>(packet);
        Assert.True(MilterFraming.TryReadPacket(ref buffer, 100, out byte code, out var payload));
        Assert.Equal((byte)'B', code);
        Assert.Equal(99, payload.Length);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void The_default_cap_accepts_Postfix_largest_body_packet_and_1_MiB()
    {
        Assert.Equal(1024 * 1024, MilterFraming.DefaultMaxPacketLength);
        var body = new ReadOnlySequence<byte>(Concat(Hex("00 01 00 00"), Ascii("B"), new byte[65535]));
        Assert.True(MilterFraming.TryReadPacket(ref body, MilterFraming.DefaultMaxPacketLength, out _, out var payload));
        Assert.Equal(65535, payload.Length);

        var atCap = new ReadOnlySequence<byte>(Hex("00 10 00 00 42"));
        Assert.False(MilterFraming.TryReadPacket(ref atCap, MilterFraming.DefaultMaxPacketLength, out _, out _));
        var overCap = new ReadOnlySequence<byte>(Hex("00 10 00 01 42"));
        Assert.Throws<MilterProtocolException>(() => MilterFraming.TryReadPacket(ref overCap, MilterFraming.DefaultMaxPacketLength, out _, out _));
    }

    [Fact]
    public void Length_one_is_a_packet_with_an_empty_payload()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("00 00 00 01 4E 00 00 00 01 41"));
        Assert.True(MilterFraming.TryReadPacket(ref buffer, 16, out byte code, out var payload));
        Assert.Equal((byte)'N', code);
        Assert.True(payload.IsEmpty);
        Assert.Equal(5, buffer.Length);
    }

    [Fact]
    public void Fewer_than_four_bytes_is_not_a_packet_yet()
    {
        for (int length = 0; length < 4; length++)
        {
            var buffer = new ReadOnlySequence<byte>(new byte[length]);
            Assert.False(MilterFraming.TryReadPacket(ref buffer, 16, out _, out _));
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void WritePacket_writes_length_command_payload()
    {
        var writer = new ArrayBufferWriter<byte>();
        MilterFraming.WritePacket(writer, (byte)'h', Ascii("X\0y\0"));
        MilterFraming.WritePacket(writer, (byte)'c', []);
        Assert.Equal(Concat(Hex("00 00 00 05"), Ascii("hX\0y\0"), Hex("00 00 00 01"), Ascii("c")), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void BeginPacket_writes_the_declared_length_and_refuses_a_short_payload()
    {
        var writer = new ArrayBufferWriter<byte>();
        var p = MilterFraming.BeginPacket(writer, (byte)'C', 7);
        p.WriteCString("ab", MilterEncoding.Text);
        p.WriteByte((byte)'4');
        p.WriteUInt16(0x86DA);
        p.WriteByte(0);
        p.Complete();
        Assert.Equal(Concat(Hex("00 00 00 08"), Ascii("Cab\0" + "4\x86\xDA\0")), writer.WrittenSpan.ToArray());

        var second = new ArrayBufferWriter<byte>();
        var q = MilterFraming.BeginPacket(second, (byte)'O', 12);
        q.WriteUInt32(6);
        bool threw = false;
        try
        {
            q.Complete();
        }
        catch (InvalidOperationException)
        {
            threw = true;
        }

        Assert.True(threw, "Complete must refuse a payload shorter than declared");
        Assert.Equal(0, second.WrittenCount);
    }

    private static void AssertDecodesToExpected(ReadOnlySequence<byte> buffer)
    {
        foreach (var (expectedCode, expectedPayload, _) in Expected)
        {
            Assert.True(MilterFraming.TryReadPacket(ref buffer, MilterFraming.DefaultMaxPacketLength, out byte code, out var payload));
            Assert.Equal(expectedCode, code);
            Assert.Equal(expectedPayload, payload.ToArray());
        }

        Assert.True(buffer.IsEmpty);
        Assert.False(MilterFraming.TryReadPacket(ref buffer, MilterFraming.DefaultMaxPacketLength, out _, out _));
    }
}
