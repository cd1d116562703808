using System.Runtime.InteropServices;

namespace Milter.Daemon.Platform;

/// <summary>
/// The few libc calls a Unix daemon needs and .NET does not offer: the umask, user and group look-ups through NSS
/// (so LDAP or systemd-homed accounts work like /etc/passwd ones), and changing identity. glibc applies setuid,
/// setgid and setgroups to every thread of the process, which matters in a runtime that already has several.
/// </summary>
internal static partial class Posix
{
    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getuid")]
    public static partial uint GetUserId();

    [LibraryImport("libc", EntryPoint = "getgid")]
    public static partial uint GetGroupId();

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint GetPasswordEntryByName(string name);

    [LibraryImport("libc", EntryPoint = "getpwuid", SetLastError = true)]
    public static partial nint GetPasswordEntryById(uint uid);

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint GetGroupEntryByName(string name);

    [LibraryImport("libc", EntryPoint = "getgrgid", SetLastError = true)]
    public static partial nint GetGroupEntryById(uint gid);

    [LibraryImport("libc", EntryPoint = "initgroups", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int InitGroups(string user, uint gid);

    [LibraryImport("libc", EntryPoint = "getgrouplist", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int GetGroupList(string user, uint group, [Out] uint[] groups, ref int count);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    public static partial int SetGroupId(uint gid);

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    public static partial int SetUserId(uint uid);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int ChangeOwner(string path, uint uid, uint gid);

    /// <summary>struct passwd of glibc (the same layout on x86_64 and aarch64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PasswordEntry
    {
        public nint Name;
        public nint Password;
        public uint UserId;
        public uint GroupId;
        public nint Gecos;
        public nint Directory;
        public nint Shell;
    }

    /// <summary>struct group of glibc.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct GroupEntry
    {
        public nint Name;
        public nint Password;
        public uint GroupId;
        public nint Members;
    }

    /// <summary>The text of the last failed call (strerror of errno).</summary>
    public static string LastError() => Marshal.GetLastPInvokeErrorMessage();
}
