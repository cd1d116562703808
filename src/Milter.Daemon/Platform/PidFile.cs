namespace Milter.Daemon.Platform;

/// <summary>
/// The PID file (PidFile, <c>-P</c>): written once the daemon listens, removed when it exits. A file left by a
/// process that is gone is replaced; one naming a live dkim-milter or opendkim is a sign that two daemons would
/// fight over the socket, which the bind reports anyway, so it is replaced too but said in the log.
/// </summary>
internal sealed class PidFile
{
    private PidFile(string path) => Path = path;

    public string Path { get; }

    /// <summary>Writes this process's id followed by a newline, as opendkim does.</summary>
    /// <exception cref="IOException">The directory is missing or not writable; the message says which.</exception>
    public static PidFile Write(string path, out int? previousLiveProcess)
    {
        ArgumentNullException.ThrowIfNull(path);
        previousLiveProcess = ReadLiveProcess(path);
        try
        {
            File.WriteAllText(path, $"{Environment.ProcessId}\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write PID file {path}: {ex.Message} (does its directory exist and may the daemon write there?)", ex);
        }

        return new PidFile(path);
    }

    /// <summary>Removes the file if it still names this process; a failure is returned, not thrown.</summary>
    public string? Remove()
    {
        try
        {
            if (ReadProcessId(Path) == Environment.ProcessId)
            {
                File.Delete(Path);
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"could not remove PID file {Path}: {ex.Message}";
        }
    }

    private static int? ReadLiveProcess(string path) =>
        ReadProcessId(path) is int pid && pid != Environment.ProcessId && Directory.Exists($"/proc/{pid}") ? pid : null;

    private static int? ReadProcessId(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), out int pid) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
