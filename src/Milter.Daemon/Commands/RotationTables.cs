using System.Globalization;
using System.Text.RegularExpressions;

namespace Milter.Daemon.Commands;

/// <summary>A key on its way in: added to the KeyTable, not yet in the SigningTable.</summary>
internal sealed record PendingRotation(string NewKey, string OldKey, DateTimeOffset Since);

/// <summary>A key on its way out: no longer in the SigningTable, its record kept published until <see cref="KeepUntil"/>.</summary>
internal sealed record RetiredKey(string OldKey, string NewKey, DateTimeOffset KeepUntil);

/// <summary>
/// The edits <c>dkim-milter rotate</c> makes to the KeyTable and SigningTable files, and the state it keeps between
/// runs: comment lines in the KeyTable (every reader skips them, an administrator sees them), one per rotation in
/// progress. Files are replaced whole (written beside, then renamed over), keeping their mode, so a daemon that
/// reloads meanwhile reads the old file or the new one, never half of one.
/// </summary>
internal sealed partial class RotationTables
{
    private const string MarkerStart = "# dkim-milter rotate: ";

    private readonly List<string> _keyTableLines;

    private RotationTables(string keyTablePath, string signingTablePath, List<string> keyTableLines)
    {
        KeyTablePath = keyTablePath;
        SigningTablePath = signingTablePath;
        _keyTableLines = keyTableLines;
    }

    public string KeyTablePath { get; }

    public string SigningTablePath { get; }

    public static RotationTables Read(string keyTablePath, string signingTablePath) =>
        new(keyTablePath, signingTablePath, [.. File.ReadAllLines(keyTablePath)]);

    public IReadOnlyList<PendingRotation> Pending => _keyTableLines
        .Select(line => PendingMarker().Match(line))
        .Where(match => match.Success)
        .Select(match => new PendingRotation(match.Groups["new"].Value, match.Groups["old"].Value, Time(match.Groups["since"].Value)))
        .ToList();

    public IReadOnlyList<RetiredKey> Retired => _keyTableLines
        .Select(line => RetiredMarker().Match(line))
        .Where(match => match.Success)
        .Select(match => new RetiredKey(match.Groups["old"].Value, match.Groups["new"].Value, Time(match.Groups["until"].Value)))
        .ToList();

    /// <summary>Appends the new key's KeyTable line, with the marker that says which key it is to replace.</summary>
    public void AddPending(string newKey, string oldKey, string keyTableValue, DateTimeOffset now)
    {
        _keyTableLines.Add($"{MarkerStart}pending {newKey} replaces {oldKey} since {Stamp(now)}");
        _keyTableLines.Add($"{newKey} {keyTableValue}");
        Replace(KeyTablePath, _keyTableLines);
    }

    /// <summary>
    /// Points every SigningTable entry that names <paramref name="rotation"/>'s old key at the new one (the rest of
    /// each line is kept as written) and turns the pending marker into a retired one. Returns how many entries moved.
    /// </summary>
    public int Switch(PendingRotation rotation, DateTimeOffset keepUntil)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        var lines = File.ReadAllLines(SigningTablePath).ToList();
        int moved = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            var match = SigningTableLine().Match(lines[i]);
            if (match.Success && match.Groups["key"].Value.Equals(rotation.OldKey, StringComparison.OrdinalIgnoreCase))
            {
                var key = match.Groups["key"];
                lines[i] = lines[i][..key.Index] + rotation.NewKey + lines[i][(key.Index + key.Length)..];
                moved++;
            }
        }

        Replace(SigningTablePath, lines);
        int marker = _keyTableLines.FindIndex(line => PendingMarker().Match(line) is { Success: true } m && m.Groups["new"].Value == rotation.NewKey);
        _keyTableLines[marker] = $"{MarkerStart}{rotation.OldKey} replaced by {rotation.NewKey}; keep its DNS record until {Stamp(keepUntil)}";
        Replace(KeyTablePath, _keyTableLines);
        return moved;
    }

    /// <summary>Removes a retired key's KeyTable line and its marker.</summary>
    public void Remove(RetiredKey retired)
    {
        ArgumentNullException.ThrowIfNull(retired);
        _keyTableLines.RemoveAll(line =>
            (RetiredMarker().Match(line) is { Success: true } marker && marker.Groups["old"].Value == retired.OldKey)
            || FirstToken(line).Equals(retired.OldKey, StringComparison.OrdinalIgnoreCase));
        Replace(KeyTablePath, _keyTableLines);
    }

    /// <summary>The key names the SigningTable's entries use now (read from the file, compared ignoring case).</summary>
    public IReadOnlySet<string> SigningTableKeys() =>
        File.ReadAllLines(SigningTablePath)
            .Select(line => SigningTableLine().Match(line))
            .Where(match => match.Success)
            .Select(match => match.Groups["key"].Value)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static string FirstToken(string line)
    {
        string trimmed = line.TrimStart();
        return trimmed.StartsWith('#') ? "" : trimmed.Split([' ', '\t'], 2)[0];
    }

    private static void Replace(string path, IReadOnlyList<string> lines)
    {
        string temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, string.Join('\n', lines) + "\n");
            File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string stamp) =>
        DateTimeOffset.ParseExact(stamp, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [GeneratedRegex(@"^# dkim-milter rotate: pending (?<new>\S+) replaces (?<old>\S+) since (?<since>\S+)\s*$")]
    private static partial Regex PendingMarker();

    [GeneratedRegex(@"^# dkim-milter rotate: (?<old>\S+) replaced by (?<new>\S+); keep its DNS record until (?<until>\S+)\s*$")]
    private static partial Regex RetiredMarker();

    // "PATTERN KEYNAME[:SIGNER]" (the value may be followed by a comment).
    [GeneratedRegex(@"^\s*[^#\s]\S*\s+(?<key>[^:#\s]+)")]
    private static partial Regex SigningTableLine();
}
