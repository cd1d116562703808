using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Milter.Configuration;
using Milter.Daemon.Hosting;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// Checks 2 and 3 (addresses): does an entry of smtpd_milters (and non_smtpd_milters) reach our Socket? Postfix's
/// <c>inet:HOST:PORT</c> is resolved as Postfix resolves it (getaddrinfo restricted to inet_protocols, addresses
/// tried in order), ours as the daemon binds it (<see cref="ListenEndpoints"/>); a <c>unix:PATH</c> of a chrooted
/// smtpd is looked for under queue_directory. Reports the entry that misses us and how to make it meet.
/// </summary>
internal static class MilterAddressChecks
{
    /// <summary>Matches every entry of both lists with our socket, adding findings; returns the matches.</summary>
    public static async Task<List<MilterTarget>> RunAsync(PostfixSettings postfix, MilterSide us, ICollection<DoctorFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(postfix);
        ArgumentNullException.ThrowIfNull(us);
        ArgumentNullException.ThrowIfNull(findings);
        var targets = new List<MilterTarget>();
        foreach (var (list, chrooted) in new[] { ("smtpd_milters", SmtpdChrooted(postfix)), ("non_smtpd_milters", CleanupChrooted(postfix)) })
        {
            var problems = new List<string>();
            var entries = PostfixMilterEntry.ParseList(postfix[list], problems);
            foreach (var problem in problems)
            {
                findings.Add(DoctorFinding.Error("postfix", list, $"{list} = {postfix[list]}: {problem}",
                    us.Socket is null ? null : postfix.PostconfEdit(list, WithOurs(postfix[list], null, OurPostfixAddress(us.Socket, postfix, chrooted) ?? "inet:127.0.0.1:8891"))));
            }

            foreach (var entry in entries)
            {
                targets.Add(us.Socket is null
                    ? new MilterTarget(list, entry, TargetMatch.Other, [], "")
                    : await MatchAsync(list, entry, us.Socket, postfix, chrooted));
            }
        }

        if (us.Socket is { } socket)
        {
            Report(targets, "smtpd_milters", socket, postfix, us, SmtpdChrooted(postfix), findings);
            // An empty non_smtpd_milters is check 4's (PostfixSettingChecks); a wrong entry is reported here.
            if (targets.Any(t => t.List == "non_smtpd_milters"))
            {
                Report(targets, "non_smtpd_milters", socket, postfix, us, CleanupChrooted(postfix), findings);
            }
        }

        if (us.Socket is not null && us.Signs)
        {
            await CheckServiceOverridesAsync(postfix, us, findings);
        }

        return targets;
    }

    /// <summary>
    /// A master.cf smtpd service with its own <c>-o smtpd_milters=...</c> (submission, smtps) that does not reach
    /// us: the mail it receives, often exactly the mail to sign (your users'), goes out unsigned.
    /// </summary>
    private static async Task CheckServiceOverridesAsync(PostfixSettings postfix, MilterSide us, ICollection<DoctorFinding> findings)
    {
        foreach (var service in postfix.SmtpdServices)
        {
            if (!service.Overrides.TryGetValue("smtpd_milters", out string? value))
            {
                continue;
            }

            var entries = PostfixMilterEntry.ParseList(value, new List<string>());
            bool reaches = false;
            foreach (var entry in entries)
            {
                reaches |= (await MatchAsync("smtpd_milters", entry, us.Socket!, postfix, service.Chrooted)).Match == TargetMatch.Ours;
            }

            if (!reaches)
            {
                string address = OurPostfixAddress(us.Socket!, postfix, service.Chrooted) ?? "$smtpd_milters";
                findings.Add(DoctorFinding.Error("postfix", $"{service.Id} (master.cf)",
                    $"master.cf's {service.Id} overrides smtpd_milters with {(string.IsNullOrWhiteSpace(value) ? "an empty value" : $"'{value}'")}: mail received by it does not reach dkim-milter and goes out unsigned",
                    // No white space in a -o value: master.cf would split it.
                    $"{postfix.Postconf} -P '{service.Id}/smtpd_milters={WithOurs(value, null, address).Replace(", ", ",", StringComparison.Ordinal)}'"));
            }
        }
    }

    /// <summary>Whether smtpd runs chrooted (any smtpd service of master.cf).</summary>
    public static bool SmtpdChrooted(PostfixSettings postfix) => postfix.SmtpdServices.Any(s => s.Chrooted);

    /// <summary>Whether cleanup, which calls non_smtpd_milters, runs chrooted.</summary>
    public static bool CleanupChrooted(PostfixSettings postfix) => postfix.CleanupServices.Any(s => s.Chrooted);

    /// <summary>Our socket in Postfix's syntax, as a chrooted (or not) Postfix must write it; null when it cannot reach it.</summary>
    public static string? OurPostfixAddress(SocketSpec socket, PostfixSettings postfix, bool chrooted)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(postfix);
        if (socket.Kind != SocketKind.Unix)
        {
            string host = socket.Host is null || socket.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                ? (socket.Kind == SocketKind.Inet6 && socket.Host is null ? "[::1]" : "127.0.0.1")
                : PostfixMilterEntry.HostForPostfix(socket.Host);
            return $"inet:{host}:{socket.Port.ToString(CultureInfo.InvariantCulture)}";
        }

        string path = Path.GetFullPath(socket.Path!);
        if (!chrooted)
        {
            return $"unix:{path}";
        }

        string queue = QueueDirectory(postfix);
        return path.StartsWith(queue + "/", StringComparison.Ordinal) ? $"unix:{path[queue.Length..]}" : null;
    }

    /// <summary><paramref name="value"/> with <paramref name="replaced"/> (or nothing) replaced by <paramref name="ours"/>, or ours added.</summary>
    public static string WithOurs(string value, string? replaced, string ours)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (replaced is not null && value.Contains(replaced, StringComparison.Ordinal))
        {
            return value.Replace(replaced, ours, StringComparison.Ordinal);
        }

        return string.IsNullOrWhiteSpace(value) ? ours : $"{value.Trim()}, {ours}";
    }

    public static string QueueDirectory(PostfixSettings postfix) => Path.TrimEndingDirectorySeparator(postfix["queue_directory"] is { Length: > 0 } q ? q : "/var/spool/postfix");

    private static void Report(List<MilterTarget> targets, string list, SocketSpec socket, PostfixSettings postfix, MilterSide us, bool chrooted, ICollection<DoctorFinding> findings)
    {
        var mine = targets.Where(t => t.List == list).ToList();
        var ours = mine.FirstOrDefault(t => t.Match == TargetMatch.Ours);
        string? address = OurPostfixAddress(socket, postfix, chrooted);
        string current = postfix[list];
        if (ours is not null)
        {
            var endpoints = ours.PostfixEndPoints;
            if (ours.Entry.IsInet && endpoints.Count > 1 && !Listens(socket, (IPEndPoint)endpoints[0]))
            {
                findings.Add(DoctorFinding.Warning("socket", list,
                    $"{ours.Entry.Address}: Postfix tries {Show(endpoints[0])} first, where dkim-milter does not listen ({ours.Detail}); every connection first fails, then goes to the next address",
                    $"{postfix.PostconfEdit(list, WithOurs(current, ours.Entry.Address, $"inet:{PostfixMilterEntry.HostForPostfix(((IPEndPoint)endpoints.First(e => Listens(socket, (IPEndPoint)e))).Address.ToString())}:{socket.Port.ToString(CultureInfo.InvariantCulture)}"))}\nor write in {us.ConfigPath}: Socket {(((IPEndPoint)endpoints[0]).AddressFamily == AddressFamily.InterNetworkV6 ? "inet6" : "inet")}:{socket.Port.ToString(CultureInfo.InvariantCulture)}@localhost"));
            }

            return;
        }

        if (mine.FirstOrDefault(t => t.Match == TargetMatch.AddressMismatch) is { } mismatch)
        {
            string fix = address is null ? "" : postfix.PostconfEdit(list, WithOurs(current, mismatch.Entry.Text, address));
            if (mismatch.PostfixEndPoints.Count > 0)
            {
                var first = (IPEndPoint)mismatch.PostfixEndPoints[0];
                string literal = first.Address.ToString();
                fix += $"\nor write in {us.ConfigPath}: Socket {(first.AddressFamily == AddressFamily.InterNetworkV6 ? "inet6" : "inet")}:{socket.Port.ToString(CultureInfo.InvariantCulture)}@{literal}";
            }

            findings.Add(DoctorFinding.Error("socket", list, $"{mismatch.Entry.Address} does not reach dkim-milter: {mismatch.Detail}", fix.TrimStart('\n')));
            return;
        }

        if (mine.FirstOrDefault(t => t.Match == TargetMatch.HiddenByChroot) is { } hidden)
        {
            string queue = QueueDirectory(postfix);
            string path = Path.GetFullPath(socket.Path!);
            string inside = path.StartsWith(queue + "/", StringComparison.Ordinal)
                ? path[queue.Length..]
                : $"/{(Path.GetFileName(Path.GetDirectoryName(path)) is { Length: > 0 } dir ? dir : "opendkim")}/{Path.GetFileName(path)}";
            string fix = path.StartsWith(queue + "/", StringComparison.Ordinal)
                ? postfix.PostconfEdit(list, WithOurs(current, hidden.Entry.Text, $"unix:{inside}"))
                : $"write in {us.ConfigPath}: Socket local:{queue}{inside}\nand {postfix.PostconfEdit(list, WithOurs(current, hidden.Entry.Text, $"unix:{inside}"))}\n(create {queue}{Path.GetDirectoryName(inside)} owned by dkim-milter's user first; or run smtpd outside the chroot: {postfix.Postconf} -F '{ChrootedServices(postfix, list).FirstOrDefault() ?? "smtp/inet"}/chroot = n')";
            findings.Add(DoctorFinding.Error("socket", list, $"{hidden.Entry.Address} is not visible to Postfix: {hidden.Detail}", fix));
            return;
        }

        if (list == "non_smtpd_milters")
        {
            // Another milter only: check 4 (PostfixSettingChecks) says what that means for signing.
            return;
        }

        findings.Add(DoctorFinding.Error("socket", list,
            string.IsNullOrWhiteSpace(current)
                ? $"{list} is empty: Postfix does not call dkim-milter (Socket {socket})"
                : $"no entry of {list} = {current} points at dkim-milter's Socket {socket}",
            address is null ? $"write in {us.ConfigPath}: Socket local:{QueueDirectory(postfix)}/opendkim/opendkim.sock\nand {postfix.PostconfEdit(list, WithOurs(current, null, "unix:/opendkim/opendkim.sock"))}" : postfix.PostconfEdit(list, WithOurs(current, null, address))));
    }

    private static async Task<MilterTarget> MatchAsync(string list, PostfixMilterEntry entry, SocketSpec socket, PostfixSettings postfix, bool chrooted)
    {
        if (!entry.IsInet)
        {
            string queue = QueueDirectory(postfix);
            string seen = chrooted || !entry.Path!.StartsWith('/') ? Path.GetFullPath(queue + "/" + entry.Path!.TrimStart('/')) : Path.GetFullPath(entry.Path);
            EndPoint[] endpoint = [new UnixDomainSocketEndPoint(seen)];
            if (socket.Kind != SocketKind.Unix)
            {
                return new MilterTarget(list, entry, TargetMatch.Other, endpoint, "");
            }

            string ours = Path.GetFullPath(socket.Path!);
            if (string.Equals(seen, ours, StringComparison.Ordinal))
            {
                return new MilterTarget(list, entry, TargetMatch.Ours, endpoint, "");
            }

            string services = string.Join(", ", ChrootedServices(postfix, list));
            return chrooted && entry.Path!.StartsWith('/') && string.Equals(Path.GetFullPath(entry.Path), ours, StringComparison.Ordinal)
                ? new MilterTarget(list, entry, TargetMatch.HiddenByChroot, endpoint,
                    $"{(list == "smtpd_milters" ? "smtpd" : "cleanup")} runs chrooted in {queue} (master.cf: {services}, chroot column y), so it looks for {entry.Path} at {seen}, where dkim-milter's socket is not")
                : new MilterTarget(list, entry, TargetMatch.Other, endpoint, "");
        }

        if (socket.Kind == SocketKind.Unix || entry.Port != socket.Port)
        {
            return new MilterTarget(list, entry, TargetMatch.Other, [], "");
        }

        var (addresses, how) = await PostfixAddressesAsync(entry.Host!, postfix);
        var endpoints = addresses.Select(a => (EndPoint)new IPEndPoint(a, entry.Port)).ToList();
        IReadOnlyList<EndPoint> listening;
        try
        {
            listening = ListenEndpoints.Resolve(socket);
        }
        catch (SocketException)
        {
            listening = [];
        }

        string ourText = listening.Count == 0 ? $"{socket.Host} does not resolve, so dkim-milter cannot listen" : $"dkim-milter listens on {string.Join(", ", listening.Select(Show))}";
        string detail = $"Postfix connects to {(endpoints.Count == 0 ? "nothing" : string.Join(", ", endpoints.Select(Show)))} ({how}); {ourText}";
        bool meets = endpoints.Any(e => Listens(socket, (IPEndPoint)e));
        return new MilterTarget(list, entry, meets ? TargetMatch.Ours : TargetMatch.AddressMismatch, endpoints, detail);
    }

    private static IEnumerable<string> ChrootedServices(PostfixSettings postfix, string list) =>
        (list == "smtpd_milters" ? postfix.SmtpdServices : postfix.CleanupServices).Where(s => s.Chrooted).Select(s => s.Id);

    /// <summary>The addresses Postfix connects to for <paramref name="host"/>: getaddrinfo with inet_protocols' families, in its order.</summary>
    private static async Task<(List<IPAddress> Addresses, string How)> PostfixAddressesAsync(string host, PostfixSettings postfix)
    {
        string protocols = postfix["inet_protocols"].ToLowerInvariant();
        bool all = protocols.Length == 0 || protocols.Contains("all", StringComparison.Ordinal);
        bool v4 = all || protocols.Contains("ipv4", StringComparison.Ordinal);
        bool v6 = all || protocols.Contains("ipv6", StringComparison.Ordinal);
        string how = $"inet_protocols = {(protocols.Length == 0 ? "all" : protocols)}";
        bool Allowed(IPAddress a) => a.AddressFamily == AddressFamily.InterNetwork ? v4 : a.AddressFamily == AddressFamily.InterNetworkV6 && v6;
        if (IPAddress.TryParse(host, out var literal))
        {
            return (Allowed(literal) ? [literal] : [], how);
        }

        var family = v4 && v6 ? AddressFamily.Unspecified : v4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        try
        {
            var found = await System.Net.Dns.GetHostAddressesAsync(host, family);
            return (found.Where(Allowed).Distinct().ToList(), $"{host} resolves to {(found.Length == 0 ? "nothing" : string.Join(", ", found.Distinct()))} with {how}");
        }
        catch (SocketException ex)
        {
            return ([], $"{host} does not resolve{(family == AddressFamily.Unspecified ? "" : family == AddressFamily.InterNetwork ? " to an IPv4 address" : " to an IPv6 address")} ({ex.SocketErrorCode}) with {how}");
        }
    }

    /// <summary>Whether dkim-milter, bound as <see cref="ListenEndpoints"/> binds <paramref name="socket"/>, accepts a connection to <paramref name="target"/>.</summary>
    public static bool Listens(SocketSpec socket, IPEndPoint target)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(target);
        if (socket.Kind == SocketKind.Unix || socket.Port != target.Port)
        {
            return false;
        }

        IReadOnlyList<EndPoint> bound;
        try
        {
            bound = ListenEndpoints.Resolve(socket);
        }
        catch (SocketException)
        {
            return false;
        }

        return bound.OfType<IPEndPoint>().Any(b =>
            b.Address.Equals(target.Address)
            || (b.Address.Equals(IPAddress.Any) && target.AddressFamily == AddressFamily.InterNetwork)
            || b.Address.Equals(IPAddress.IPv6Any));
    }

    public static string Show(EndPoint endpoint) => endpoint switch
    {
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => $"[{ip.Address}]:{ip.Port.ToString(CultureInfo.InvariantCulture)}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port.ToString(CultureInfo.InvariantCulture)}",
        UnixDomainSocketEndPoint unix => unix.ToString()!,
        _ => endpoint.ToString()!,
    };
}
