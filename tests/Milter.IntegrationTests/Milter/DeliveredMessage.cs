using System.Text;

namespace Milter.IntegrationTests.Milter;

/// <summary>A message as delivered to the maildir (LF line ends): its header block and the header lines in it.</summary>
internal sealed class DeliveredMessage
{
    public DeliveredMessage(byte[] bytes)
    {
        Text = Encoding.UTF8.GetString(bytes);
        int end = Text.IndexOf("\n\n", StringComparison.Ordinal);
        HeaderBlock = end < 0 ? Text : Text[..(end + 1)];
        Fields = SplitFields(HeaderBlock);
    }

    public string Text { get; }

    /// <summary>Everything before the blank line, each line ending in LF.</summary>
    public string HeaderBlock { get; }

    /// <summary>Whole header fields (folded lines kept), in order.</summary>
    public IReadOnlyList<string> Fields { get; }

    public int IndexOf(string name) =>
        Fields.Select((field, index) => (field, index))
            .Where(pair => pair.field.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(pair => pair.index)
            .DefaultIfEmpty(-1)
            .First();

    private static List<string> SplitFields(string block)
    {
        var fields = new List<string>();
        foreach (var line in block.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line[0] is ' ' or '\t' && fields.Count > 0)
            {
                fields[^1] += "\n" + line;
            }
            else
            {
                fields.Add(line);
            }
        }

        return fields;
    }
}
