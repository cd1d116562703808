using System.Globalization;

namespace Milter.Benchmarks.Load;

/// <summary>
/// What /proc says about a process (the daemon under load) and about the whole machine at one moment: CPU time in
/// clock ticks, resident memory in KiB. Linux only.
/// </summary>
internal readonly record struct ProcessSnapshot(long CpuTicks, long RssKb, long HwmKb, int Threads, long MachineBusyTicks)
{
    /// <summary>USER_HZ: /proc reports CPU time in 1/100 s on every Linux this runs on.</summary>
    public const double TicksPerSecond = 100;
}

internal static class ProcessStats
{
    /// <summary>
    /// Reads /proc/PID/stat (utime + stime, all threads), /proc/PID/status (VmRSS, VmHWM, Threads) and /proc/stat.
    /// Throws <see cref="DaemonGoneException"/> if the process no longer exists.
    /// </summary>
    public static ProcessSnapshot Read(int pid)
    {
        try
        {
            return ReadExisting(pid);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DaemonGoneException(pid, ex);
        }
    }

    private static ProcessSnapshot ReadExisting(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name is in parentheses and may contain spaces: fields are counted after the last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the name: state(3) ppid(4) ... utime(14) stime(15), so indexes 11 and 12 here.
        long cpu = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        long rss = 0, hwm = 0;
        int threads = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kilobytes(line);
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return new ProcessSnapshot(cpu, rss, hwm, threads, MachineBusyTicks());
    }

    /// <summary>
    /// Resets the process's peak RSS (VmHWM) to its current RSS by writing 5 to /proc/PID/clear_refs (Linux 4.0+;
    /// needs to own the process or be root). False if that was refused, and VmHWM is then the peak since start.
    /// </summary>
    public static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>This process's own CPU time (the load generator competes with the daemon for the same cores).</summary>
    public static TimeSpan OwnCpu()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>
    /// Busy ticks of all CPUs together (/proc/stat's first line: user, nice, system, irq, softirq, steal; not
    /// idle or iowait). What is left after the daemon's and the load generator's share was used by the rest of
    /// the machine: on a shared machine that says whether a run was disturbed.
    /// </summary>
    private static long MachineBusyTicks()
    {
        using var reader = new StreamReader("/proc/stat");
        string[] fields = (reader.ReadLine() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 9 || fields[0] != "cpu")
        {
            return 0;
        }

        long Field(int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);
        return Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
    }

    private static long Kilobytes(string line)
    {
        string value = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        return long.Parse(value.Split(' ')[0], CultureInfo.InvariantCulture);
    }
}

/// <summary>The daemon whose PID was given is gone (it exited or crashed).</summary>
internal sealed class DaemonGoneException(int pid, Exception inner)
    : Exception($"process {pid} is gone (/proc/{pid} cannot be read: {inner.Message})", inner);
