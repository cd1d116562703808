using Milter.Protocol.Handling;
using static Milter.Protocol.Tests.TestSupport.Bytes;

namespace Milter.Protocol.Tests.Handling;

public class HeaderValuesTests
{
    [Theory]
    [InlineData("value", false, " value")]
    [InlineData(" value", true, " value")]
    // Postfix sends "" for both "Name:" and "Name: "; the usual empty header is "Name:", so nothing is restored.
    [InlineData("", false, "")]
    [InlineData("", true, "")]
    [InlineData("line1\n\tline2", false, " line1\r\n\tline2")]
    [InlineData(" line1\n\tline2\n third", true, " line1\r\n\tline2\r\n third")]
    [InlineData("line1\r\n\tline2", false, " line1\r\n\tline2")]
    [InlineData("\n\tx", true, "\r\n\tx")]
    [InlineData("a\r\n b\n c", true, "a\r\n b\r\n c")]
    [InlineData("a\rb", true, "a\rb")]
    // Without HDR_LEADSPC: more spaces than the one eaten, a tab (never eaten), a fold right after the colon.
    [InlineData("  three spaces", false, "   three spaces")]
    [InlineData(" two", false, "  two")]
    [InlineData("\ttab", false, "\ttab")]
    [InlineData("\t\ttabs", false, "\t\ttabs")]
    [InlineData("\n a@example.com", false, "\r\n a@example.com")]
    [InlineData("\r\n\ta", false, "\r\n\ta")]
    public void FromWire_restores_the_message_form(string wire, bool leadingSpace, string expected)
    {
        Assert.Equal(Ascii(expected), HeaderValues.FromWire(Ascii(wire), leadingSpace));
    }

    [Theory]
    [InlineData(" a\r\n\tb", false, "a\n\tb")]
    [InlineData(" a\r\n\tb", true, " a\n\tb")]
    [InlineData(" a\n\tb", false, "a\n\tb")]
    [InlineData("a", false, "a")]
    [InlineData("\ta", false, "\ta")]
    [InlineData("  a", false, " a")]
    [InlineData("", false, "")]
    [InlineData(" ", false, "")]
    [InlineData(" ", true, " ")]
    [InlineData(" a\rb", false, "a\rb")]
    [InlineData(" a\r\n b\r\n c", true, " a\n b\n c")]
    public void ToWire_makes_the_wire_form(string raw, bool leadingSpace, string expected)
    {
        Assert.Equal(Ascii(expected), HeaderValues.ToWire(Ascii(raw), leadingSpace));
    }

    [Theory]
    [InlineData(" value")]
    [InlineData(" a\r\n\tb\r\n c")]
    [InlineData("  \t x")]
    [InlineData("\tx")]
    [InlineData("\r\n x")]
    [InlineData("   three")]
    [InlineData(" caf\xC3\xA9 \xFF")]
    public void Message_form_survives_a_round_trip_either_way(string raw)
    {
        foreach (bool leadingSpace in new[] { false, true })
        {
            Assert.Equal(Ascii(raw), HeaderValues.FromWire(HeaderValues.ToWire(Ascii(raw), leadingSpace), leadingSpace));
        }
    }

    /// <summary>
    /// The shapes the wire cannot tell apart without HDR_LEADSPC: each is rebuilt as its more common twin
    /// (documented on <see cref="HeaderValues.FromWire"/>).
    /// </summary>
    [Theory]
    [InlineData("value", " value")]
    [InlineData(" \tvalue", "\tvalue")]
    [InlineData(" \r\n value", "\r\n value")]
    public void Ambiguous_shapes_come_back_as_their_common_twin(string raw, string rebuilt)
    {
        Assert.Equal(Ascii(rebuilt), HeaderValues.FromWire(HeaderValues.ToWire(Ascii(raw), leadingSpaceNegotiated: false), leadingSpaceNegotiated: false));
        Assert.Equal(Ascii(raw), HeaderValues.FromWire(HeaderValues.ToWire(Ascii(raw), leadingSpaceNegotiated: true), leadingSpaceNegotiated: true));
    }

    [Fact]
    public void The_same_header_received_with_and_without_leading_space_is_the_same()
    {
        byte[] withLeadingSpace = HeaderValues.FromWire(Ascii(" hello\n world"), leadingSpaceNegotiated: true);
        byte[] without = HeaderValues.FromWire(Ascii("hello\n world"), leadingSpaceNegotiated: false);
        Assert.Equal(withLeadingSpace, without);
        Assert.Equal(Ascii(" hello\r\n world"), without);
    }
}
