using Milter.Configuration.Datasets;
using Milter.Configuration.Messages;

namespace Milter.Configuration.Tests.Messages;

public sealed class HeaderNameListTests
{
    private static readonly string[] Defaults = ["From", "Subject", "Bcc"];

    private static IReadOnlyList<string> Read(string? value) =>
        HeaderNameList.From(value is null ? null : DatasetParser.Load(new ConfigEntry("SignHeaders", value, "test.conf", 1)), Defaults);

    [Theory]
    // Not set: the default.
    [InlineData(null, "From,Subject,Bcc")]
    // A list replaces the default entirely.
    [InlineData("To,Date", "To,Date")]
    [InlineData("csl:To,Date", "To,Date")]
    // "*" makes the list a change to the default.
    [InlineData("*,+X-Mailer", "From,Subject,Bcc,X-Mailer")]
    [InlineData("*,-bcc", "From,Subject")]
    [InlineData("*,-Bcc,+Bcc", "From,Subject,Bcc")]
    [InlineData("*", "From,Subject,Bcc")]
    // A leading '+' or '-' only means something in a "*" list; elsewhere it stays part of the (strange) name.
    [InlineData("+X-Mailer", "+X-Mailer")]
    // Repeats are kept once, compared case-insensitively; order is kept.
    [InlineData("Subject,from,SUBJECT", "Subject,from")]
    public void Reads_lists_as_OpenDKIM_does(string? value, string expected)
    {
        Assert.Equal(expected.Split(','), Read(value));
    }
}
