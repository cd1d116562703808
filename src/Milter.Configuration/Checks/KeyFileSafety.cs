namespace Milter.Configuration.Checks;

/// <summary>
/// RequireSafeKeys: a private key must not be readable or writable by other users, and no directory above it
/// may let other users replace it. Unlike OpenDKIM's "key data is not secure", each finding names the exact
/// path, what is wrong, and the command that fixes it.
/// </summary>
public static class KeyFileSafety
{
    /// <summary>One unsafe path.</summary>
    public sealed record Finding(string Path, string Problem, string Fix);

    /// <summary>The problems with <paramref name="keyPath"/> and its directories (none: safe).</summary>
    public static IReadOnlyList<Finding> Check(string keyPath)
    {
        ArgumentNullException.ThrowIfNull(keyPath);
        var findings = new List<Finding>();
        string path = Path.GetFullPath(keyPath);
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
        {
            findings.Add(new Finding(path, "the key can be read by other users", $"chmod o-rwx {path}"));
        }

        if ((mode & UnixFileMode.GroupWrite) != 0)
        {
            findings.Add(new Finding(path, "the key can be changed by its group", $"chmod g-w {path}"));
        }

        for (var directory = Directory.GetParent(path); directory is not null; directory = directory.Parent)
        {
            var directoryMode = File.GetUnixFileMode(directory.FullName);
            // A sticky directory (like /tmp) lets others create files but not replace someone else's.
            bool sticky = (directoryMode & UnixFileMode.StickyBit) != 0;
            if ((directoryMode & UnixFileMode.OtherWrite) != 0 && !sticky)
            {
                findings.Add(new Finding(directory.FullName, "any user can replace the key through this directory (world-writable)", $"chmod o-w {directory.FullName}"));
            }
            else if ((directoryMode & UnixFileMode.GroupWrite) != 0 && !sticky)
            {
                findings.Add(new Finding(directory.FullName, "the directory's group can replace the key (group-writable)", $"chmod g-w {directory.FullName}"));
            }
        }

        return findings;
    }
}
