using System.Globalization;

namespace Milter.Daemon.Commands.Doctor;

/// <summary>
/// One milter of a Postfix milter list (smtpd_milters, non_smtpd_milters): <c>inet:HOST:PORT</c> (HOST may be
/// <c>[::1]</c>), <c>unix:PATH</c> or <c>local:PATH</c>, alone or as <c>{ ADDRESS, name=value ... }</c> with
/// per-milter settings (connect_timeout, default_action, protocol...). Lists separate entries with commas or
/// white space. Postfix's order is host then port, the reverse of libmilter's <c>inet:PORT@HOST</c>.
/// </summary>
internal sealed record PostfixMilterEntry(string Text, bool IsInet, string? Host, int Port, string? Path, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>The entry's own default_action=, or null.</summary>
    public string? DefaultAction => Attributes.GetValueOrDefault("default_action");

    /// <summary>The entry's own protocol=, or null.</summary>
    public string? Protocol => Attributes.GetValueOrDefault("protocol");

    /// <summary>Parses a whole list; entries that are not milter addresses go to <paramref name="problems"/>.</summary>
    public static List<PostfixMilterEntry> ParseList(string value, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(problems);
        var entries = new List<PostfixMilterEntry>();
        int i = 0;
        while (i < value.Length)
        {
            char c = value[i];
            if (char.IsWhiteSpace(c) || c == ',')
            {
                i++;
                continue;
            }

            string text;
            List<string> parts;
            if (c == '{')
            {
                int close = value.IndexOf('}', i);
                if (close < 0)
                {
                    problems.Add($"'{value[i..]}': no closing '}}'");
                    break;
                }

                text = value[i..(close + 1)];
                parts = value[(i + 1)..close].Split([',', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries).ToList();
                i = close + 1;
            }
            else
            {
                int end = i;
                while (end < value.Length && !char.IsWhiteSpace(value[end]) && value[end] != ',')
                {
                    end++;
                }

                text = value[i..end];
                parts = [text];
                i = end;
            }

            if (parts.Count == 0)
            {
                problems.Add($"'{text}': empty milter entry");
                continue;
            }

            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var attribute in parts.Skip(1))
            {
                int equals = attribute.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0)
                {
                    attributes[attribute[..equals].Trim()] = attribute[(equals + 1)..].Trim();
                }
            }

            if (ParseAddress(text, parts[0], attributes, out var entry, out string? problem))
            {
                entries.Add(entry!);
            }
            else
            {
                problems.Add(problem!);
            }
        }

        return entries;
    }

    /// <summary>The address as Postfix writes it, for fixes: <c>inet:HOST:PORT</c> or <c>unix:PATH</c>.</summary>
    public string Address => IsInet ? $"inet:{HostForPostfix(Host!)}:{Port.ToString(CultureInfo.InvariantCulture)}" : $"unix:{Path}";

    /// <summary>A host as Postfix takes it: an IPv6 literal in brackets.</summary>
    public static string HostForPostfix(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    private static bool ParseAddress(string text, string address, Dictionary<string, string> attributes, out PostfixMilterEntry? entry, out string? problem)
    {
        entry = null;
        problem = null;
        int colon = address.IndexOf(':', StringComparison.Ordinal);
        string transport = colon < 0 ? "" : address[..colon].ToLowerInvariant();
        string rest = colon < 0 ? address : address[(colon + 1)..];
        switch (transport)
        {
            case "unix" or "local":
                if (rest.Length == 0)
                {
                    problem = $"'{address}': no socket path after '{transport}:'";
                    return false;
                }

                entry = new PostfixMilterEntry(text, false, null, 0, rest, attributes);
                return true;
            case "inet":
                int portColon = rest.LastIndexOf(':');
                string host = portColon < 0 ? "" : rest[..portColon].Trim('[', ']');
                string portText = portColon < 0 ? "" : rest[(portColon + 1)..];
                if (host.Length == 0 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
                {
                    int at = rest.IndexOf('@', StringComparison.Ordinal);
                    problem = at > 0
                        ? $"'{address}' is in libmilter's order (inet:PORT@HOST); Postfix writes inet:{rest[(at + 1)..]}:{rest[..at]}"
                        : $"'{address}' is not inet:HOST:PORT (a numeric port)";
                    return false;
                }

                entry = new PostfixMilterEntry(text, true, host, port, null, attributes);
                return true;
            default:
                problem = $"'{address}' is not a milter address: Postfix takes inet:HOST:PORT, unix:PATH or local:PATH";
                return false;
        }
    }
}
