using System.Text;

namespace Milter.IntegrationTests.Tools;

/// <summary>
/// A <c>SELECTOR.txt</c> as opendkim-genkey writes it, read the way a name server reads a zone file: the owner name,
/// then the quoted character-strings inside <c>( ... )</c> (with <c>\"</c> and <c>\\</c> unescaped), then the comment.
/// </summary>
internal sealed record ZoneFileRecord(string Owner, IReadOnlyList<string> Strings, string Comment)
{
    /// <summary>The strings joined without separator: the key record a verifier reads (RFC 6376 §3.6.2.2).</summary>
    public string RecordText => string.Concat(Strings);

    /// <summary>The p= value.</summary>
    public string PublicKey => RecordText[(RecordText.IndexOf("p=", StringComparison.Ordinal) + 2)..];

    public static ZoneFileRecord Parse(string text)
    {
        int tab = text.IndexOf('\t', StringComparison.Ordinal);
        Assert.True(tab > 0, $"no owner name at the start of:\n{text}");
        string owner = text[..tab];
        int open = text.IndexOf('(', StringComparison.Ordinal);
        int close = text.LastIndexOf(')');
        Assert.True(open > 0 && close > open, $"no ( ... ) in:\n{text}");
        Assert.Equal("\tIN\tTXT\t", text[tab..open]);
        var strings = new List<string>();
        string inner = text[(open + 1)..close];
        for (int i = 0; i < inner.Length; i++)
        {
            if (inner[i] != '"')
            {
                Assert.True(char.IsWhiteSpace(inner[i]), $"'{inner[i]}' outside a quoted string in:\n{text}");
                continue;
            }

            var value = new StringBuilder();
            for (i++; inner[i] != '"'; i++)
            {
                value.Append(inner[i] == '\\' ? inner[++i] : inner[i]);
            }

            strings.Add(value.ToString());
        }

        return new ZoneFileRecord(owner, strings, text[(close + 1)..]);
    }
}
