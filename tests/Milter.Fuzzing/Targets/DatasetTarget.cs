using System.Net;
using System.Text;
using Milter.Configuration;
using Milter.Configuration.Datasets;
using Milter.Configuration.Macros;
using Milter.Configuration.Peers;
using Milter.Configuration.Tables;

namespace Milter.Fuzzing.Targets;

/// <summary>
/// Dataset files and the tables built on them: the input is written to a file and read as <c>file:</c> and
/// <c>refile:</c>, and its first line as a <c>csl:</c> list; then as a KeyTable, a SigningTable (matched
/// against a few addresses and against every key it holds), a peer list (asked about a few clients) and a
/// MacroList. Their documented answer to a bad entry is <see cref="ConfigurationException"/> (with file and
/// line) or a problem added to the list the caller passes.
/// </summary>
public sealed class DatasetTarget : IFuzzTarget, IDisposable
{
    private static readonly string[] Senders = ["user@example.com", "USER@Sub.Example.COM", "a@b", "@", "", "x@*", "*"];
    private static readonly IPAddress[] Clients = [IPAddress.Loopback, IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("::ffff:192.0.2.1")];
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"milter-fuzz-dataset-{Environment.ProcessId}");

    /// <inheritdoc />
    public string Name => "datasets";

    /// <inheritdoc />
    public string EntryPoint => "DatasetParser.Load (file:, refile:, csl:) + KeyTable/SigningTable/PeerList/MacroList.From and their look-ups";

    /// <inheritdoc />
    public IReadOnlyList<Type> BadInputExceptions { get; } = [typeof(ConfigurationException)];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        File.WriteAllBytes(_path, input.ToArray());
        string text = Encoding.UTF8.GetString(input);
        string firstLine = text.Split('\n')[0];
        var file = DatasetParser.Load(new ConfigEntry("KeyTable", "file:" + _path, "opendkim.conf", 1));
        var patterns = DatasetParser.Load(new ConfigEntry("SigningTable", "refile:" + _path, "opendkim.conf", 2));
        var list = DatasetParser.Load(new ConfigEntry("InternalHosts", "csl:" + firstLine, "opendkim.conf", 3));

        var problems = new List<ConfigurationException>();
        var keys = KeyTable.From(file, problems);
        foreach (var entry in keys.Entries)
        {
            FuzzPropertyException.Check(keys.Find(entry.Name) is not null, "a KeyTable entry cannot be found by its own name");
        }

        foreach (var dataset in new[] { file, patterns, list })
        {
            var signing = SigningTable.From(dataset);
            foreach (string sender in Senders.Concat(dataset.Keys.Take(8)))
            {
                signing.Match(sender);
                dataset.Find(sender);
            }
        }

        ConfigurationException? firstProblem = null;
        foreach (var dataset in new[] { file, patterns, list })
        {
            try
            {
                var peers = PeerList.From(dataset);
                foreach (var client in Clients)
                {
                    peers.Contains(client, "mail.example.com");
                    peers.Contains(client, null);
                }
            }
            catch (ConfigurationException ex)
            {
                firstProblem ??= ex;
            }

            try
            {
                MacroList.From(dataset).Matches(name => name.Length % 2 == 0 ? name : null);
            }
            catch (ConfigurationException ex)
            {
                firstProblem ??= ex;
            }
        }

        if (firstProblem is not null)
        {
            throw firstProblem;
        }
    }

    /// <inheritdoc />
    public void Dispose() => File.Delete(_path);
}
