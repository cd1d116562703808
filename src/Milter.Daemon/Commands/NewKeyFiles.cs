using System.Text;

namespace Milter.Daemon.Commands;

/// <summary>
/// Writes a new key's two files. <c>SELECTOR.private</c> is created with mode 0600 by the open() that creates it
/// (never a moment readable by others, whatever the umask), and an existing file is never overwritten unless asked:
/// with <c>--force</c> the new key goes to a fresh 0600 file beside it that is then renamed over the old one, so
/// the old key stays whole until the new one replaces it. <c>SELECTOR.txt</c> holds only public data.
/// </summary>
internal static class NewKeyFiles
{
    private const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// Writes both files, or neither: when one exists and <paramref name="force"/> is false nothing is written and
    /// <see cref="IOException"/> says which (checked before the key is written; the creates themselves refuse too).
    /// </summary>
    public static void Write(string privatePath, string privateKeyPem, string txtPath, string txtText, bool force)
    {
        if (!force)
        {
            foreach (var path in new[] { privatePath, txtPath })
            {
                if (File.Exists(path) || Directory.Exists(path))
                {
                    throw new IOException($"{path} already exists; give --force to replace it (the old key is then gone)");
                }
            }
        }

        WriteFile(privatePath, privateKeyPem, PrivateMode, force);
        try
        {
            WriteFile(txtPath, txtText, PublicMode, force);
        }
        catch when (!force)
        {
            // A key without its record is of no use and the next run would refuse to overwrite it.
            File.Delete(privatePath);
            throw;
        }
    }

    private static void WriteFile(string path, string text, UnixFileMode mode, bool replace)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        if (!replace)
        {
            Create(path, bytes, mode);
            return;
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Create(temporary, bytes, mode);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    // O_CREAT|O_EXCL with the mode given to open(): an existing file (or a symbolic link planted there) fails the
    // call instead of being written through.
    private static void Create(string path, byte[] bytes, UnixFileMode mode)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = mode,
        };
        using var stream = new FileStream(path, options);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }
}
