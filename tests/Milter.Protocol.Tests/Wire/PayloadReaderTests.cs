using System.Buffers;
using Milter.Protocol.Tests.TestSupport;
using Milter.Protocol.Wire;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Wire;

public class PayloadReaderTests
{
    [Fact]
    public void Reads_big_endian_integers_and_strings_across_segments()
    {
        byte[] payload = Concat(Hex("01 02 03 04"), Hex("86 DA"), Ascii("host\0"), Hex("7F"), Ascii("a\0b\0"));
        for (int cut = 0; cut <= payload.Length; cut++)
        {
            var reader = new PayloadReader((byte)'C', Segments.Split(payload, cut));
            Assert.Equal(0x01020304u, reader.ReadUInt32("u32"));
            Assert.Equal((ushort)0x86DA, reader.ReadUInt16("port"));
            Assert.Equal("host", reader.ReadCString("host", MilterEncoding.Text));
            Assert.Equal(0x7F, reader.ReadByte("byte"));
            Assert.Equal(["a", "b"], reader.ReadCStringList("argv", MilterEncoding.Text));
            Assert.True(reader.End);
            reader.ExpectEnd();
        }
    }

    [Fact]
    public void High_bit_integers_are_unsigned()
    {
        var reader = new PayloadReader((byte)'O', new ReadOnlySequence<byte>(Hex("FF FF FF FE 86 DA")));
        Assert.Equal(0xFFFFFFFEu, reader.ReadUInt32("u32"));
        Assert.Equal((ushort)34522, reader.ReadUInt16("port"));
    }

    [Theory]
    [InlineData("", "u32")]
    [InlineData("00 00 00", "u32")]
    public void A_short_u32_is_truncated_naming_command_and_field(string hex, string field)
    {
        var ex = Assert.Throws<MilterProtocolException>(() =>
        {
            var reader = new PayloadReader((byte)'O', new ReadOnlySequence<byte>(Hex(hex)));
            reader.ReadUInt32(field);
        });
        Assert.Equal(ProtocolError.TruncatedPayload, ex.Error);
        Assert.Contains("OPTNEG", ex.Message, StringComparison.Ordinal);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_without_NUL_is_truncated()
    {
        var ex = Assert.Throws<MilterProtocolException>(() =>
        {
            var reader = new PayloadReader((byte)'H', new ReadOnlySequence<byte>(Ascii("host")));
            reader.ReadCString("host name", MilterEncoding.Text);
        });
        Assert.Equal(ProtocolError.TruncatedPayload, ex.Error);
        Assert.Contains("HELO", ex.Message, StringComparison.Ordinal);
        Assert.Contains("host name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_bytes_are_malformed()
    {
        var ex = Assert.Throws<MilterProtocolException>(() =>
        {
            var reader = new PayloadReader((byte)'H', new ReadOnlySequence<byte>(Ascii("host\0xy")));
            reader.ReadCString("host name", MilterEncoding.Text);
            reader.ExpectEnd();
        });
        Assert.Equal(ProtocolError.MalformedPayload, ex.Error);
        Assert.Contains("2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadRemaining_returns_the_rest_and_ends()
    {
        var reader = new PayloadReader((byte)'b', Segments.Create(Ascii("ab"), Ascii("cd")));
        Assert.Equal((byte)'a', reader.ReadByte("first"));
        Assert.Equal(3, reader.Remaining);
        Assert.Equal(Ascii("bcd"), reader.ReadRemaining().ToArray());
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData((byte)'O', "OPTNEG")]
    [InlineData((byte)'K', "QUIT_NC")]
    [InlineData((byte)'E', "BODYEOB")]
    [InlineData((byte)'X', "'X'")]
    [InlineData((byte)0x00, "0x00")]
    [InlineData((byte)0xFF, "0xFF")]
    public void Command_bytes_are_described_for_log_lines(byte code, string expected)
    {
        Assert.Equal(expected, CommandCode.Describe(code));
    }
}
