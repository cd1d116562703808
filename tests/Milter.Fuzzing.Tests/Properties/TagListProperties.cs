using CsCheck;
using Milter.Dkim.TagLists;
using Milter.Fuzzing.Tests.Support;

namespace Milter.Fuzzing.Tests.Properties;

/// <summary>
/// The tag-list parser (RFC 6376 §3.2) against a model: a list of well-formed tags is accepted exactly when no
/// tag name repeats, and then gives back every tag, in order, with its value trimmed.
/// </summary>
public sealed class TagListProperties
{
    // Few names, so repeats are common; values without ';' and with whitespace around them.
    private static readonly Gen<string> Name = Gen.OneOf("v", "a", "b", "bh", "d", "s", "h", "x_1");
    private static readonly Gen<string> Value = Gen.String[Gen.OneOf('a', 'B', '=', '/', '+', ':', '.', '0'), 0, 8];
    private static readonly Gen<string> Space = Gen.OneOf("", " ", "\t", "\r\n ");

    private static readonly Gen<(string Name, string Value, string Text)[]> Tags =
        Gen.Select(Name, Value, Space, Space, (name, value, before, after) => (name, value, $"{before}{name}{after}={before}{value}{after}")).Array[1, 6];

    [Fact]
    public void A_tag_list_is_accepted_exactly_when_no_tag_repeats() =>
        PassSettings.Check(Gen.Select(Tags, Gen.Bool), input =>
        {
            var (tags, trailingSemicolon) = input;
            string text = string.Join(";", tags.Select(tag => tag.Text)) + (trailingSemicolon ? ";" : "");
            bool unique = tags.Select(tag => tag.Name).Distinct(StringComparer.Ordinal).Count() == tags.Length;
            bool accepted = TagList.TryParse(text, out var list, out string? error);
            Assert.True(accepted == unique, $"'{text}': accepted {accepted} ({error}), names unique {unique}");
            if (accepted)
            {
                Assert.Equal(tags.Select(tag => $"{tag.Name}={tag.Value}"), list!.Tags.Select(tag => $"{tag.Key}={tag.Value}"));
            }
        }, t => string.Join(";", t.Item1.Select(tag => tag.Text)) + (t.Item2 ? ";" : ""));
}
