using System.Globalization;
using System.Runtime.InteropServices;
using Milter.Daemon.Platform;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// A user as the kernel checks its file access: uid, primary gid and every supplementary group, looked up through
/// NSS (getpwnam, getgrouplist) so that accounts from LDAP or sssd count like /etc/passwd ones.
/// </summary>
internal sealed record UnixIdentity(string Name, uint UserId, uint GroupId, IReadOnlySet<uint> Groups)
{
    /// <summary>The user <paramref name="name"/>, or null when there is no such user.</summary>
    public static UnixIdentity? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        nint entry = Posix.GetPasswordEntryByName(name);
        if (entry == 0)
        {
            return null;
        }

        var passwd = Marshal.PtrToStructure<Posix.PasswordEntry>(entry);
        int count = 64;
        var groups = new uint[count];
        if (Posix.GetGroupList(name, passwd.GroupId, groups, ref count) < 0)
        {
            groups = new uint[count];
            Posix.GetGroupList(name, passwd.GroupId, groups, ref count);
        }

        var set = new HashSet<uint>(groups.Take(Math.Max(0, count))) { passwd.GroupId };
        return new UnixIdentity(name, passwd.UserId, passwd.GroupId, set);
    }

    /// <summary>A group's name for a fix (its number when it has none).</summary>
    public static string GroupName(uint gid)
    {
        nint entry = Posix.GetGroupEntryById(gid);
        return entry == 0 ? gid.ToString(CultureInfo.InvariantCulture) : Marshal.PtrToStringUTF8(Marshal.PtrToStructure<Posix.GroupEntry>(entry).Name) ?? gid.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Whether this user has the <paramref name="wanted"/> permission (4 read, 2 write, 1 search/execute) on a file
    /// of that owner, group and mode, as the kernel decides it: the owner's bits, else the group's, else the others'.
    /// </summary>
    public bool May(uint owner, uint group, UnixFileMode mode, int wanted)
    {
        if (UserId == 0)
        {
            return true;
        }

        int bits = (int)mode;
        int granted = owner == UserId ? (bits >> 6) & 7 : Groups.Contains(group) ? (bits >> 3) & 7 : bits & 7;
        return (granted & wanted) == wanted;
    }
}
