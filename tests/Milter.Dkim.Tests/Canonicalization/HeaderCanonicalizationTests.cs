using System.Buffers;
using System.Text;
using Milter.Dkim.Canonicalization;

namespace Milter.Dkim.Tests.Canonicalization;

public class HeaderCanonicalizationTests
{
    [Theory]
    // RFC 6376 §3.4.5: "A: X\r\nB : Y\t\r\n\tZ  \r\n" -> "a:X\r\nb:Y Z\r\n".
    [InlineData("A", " X", "a:X\r\n")]
    [InlineData("B ", " Y\t\r\n\tZ  ", "b:Y Z\r\n")]
    [InlineData("Subject", "\r\n\tstarts with a fold", "subject:starts with a fold\r\n")]
    [InlineData("X-Blank", "   \t ", "x-blank:\r\n")]
    [InlineData("X-Empty", "", "x-empty:\r\n")]
    [InlineData("X-8bit", " caf\u00e9   \u00fcber ", "x-8bit:caf\u00e9 \u00fcber\r\n")]
    public void Relaxed_lowercases_unfolds_and_collapses_whitespace(string name, string value, string expected)
    {
        Assert.Equal(expected, Canonicalize(CanonicalizationAlgorithm.Relaxed, name, value, terminate: true));
    }

    [Theory]
    [InlineData("Subject", " folded\r\n\tvalue  ", "Subject: folded\r\n\tvalue  \r\n")]
    [InlineData("B ", " Y\t\r\n\tZ  ", "B : Y\t\r\n\tZ  \r\n")]
    public void Simple_changes_nothing(string name, string value, string expected)
    {
        Assert.Equal(expected, Canonicalize(CanonicalizationAlgorithm.Simple, name, value, terminate: true));
    }

    [Fact]
    public void The_signature_being_hashed_has_no_final_line_break()
    {
        Assert.Equal("dkim-signature:v=1; b=", Canonicalize(CanonicalizationAlgorithm.Relaxed, "DKIM-Signature", " v=1;\r\n\tb=", terminate: false));
    }

    [Fact]
    public void Selection_takes_instances_from_the_bottom_up_and_oversigned_names_select_nothing()
    {
        HeaderField F(string name, string value) => new(name, Encoding.ASCII.GetBytes(value));
        var headers = new List<HeaderField> { F("Received", "1"), F("To", "a"), F("from", "x"), F("TO", "b"), F("Subject", "s") };

        var selected = HeaderSelection.Select(headers, ["From", "to", "To", "To", "subject", "Date"]);

        Assert.Equal(["x", "b", "a", null, "s", null], selected.Select(field => field is { } f ? Encoding.ASCII.GetString(f.RawValue.Span) : null));
    }

    [Theory]
    [InlineData("simple/simple", CanonicalizationAlgorithm.Simple, CanonicalizationAlgorithm.Simple)]
    [InlineData("relaxed/simple", CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Simple)]
    [InlineData("relaxed", CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Simple)]
    [InlineData("Relaxed/Relaxed", CanonicalizationAlgorithm.Relaxed, CanonicalizationAlgorithm.Relaxed)]
    public void Canonicalization_pairs_parse_with_the_single_word_rule(string text, CanonicalizationAlgorithm header, CanonicalizationAlgorithm body)
    {
        Assert.True(Canonicalizations.TryParse(text, out var parsed));
        Assert.Equal(new Canonicalizations(header, body), parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("loose/simple")]
    [InlineData("relaxed/simple/x")]
    public void Bad_canonicalization_names_are_refused(string text)
    {
        Assert.False(Canonicalizations.TryParse(text, out _));
    }

    private static string Canonicalize(CanonicalizationAlgorithm algorithm, string name, string value, bool terminate)
    {
        var output = new ArrayBufferWriter<byte>();
        HeaderCanonicalizer.Write(output, algorithm, name, Encoding.UTF8.GetBytes(value), terminate);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
