using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Milter.Benchmarks.Load;

/// <summary>Sign (an internal client sends mail from the signing domain) or verify (an external client sends signed mail).</summary>
internal enum LoadMode
{
    Sign,
    Verify,
}

/// <summary>
/// Throughput (workers send messages until a count or a time is reached) or held (every connection is opened
/// and negotiated first and kept idle, the daemon's memory is read, then all send at once).
/// </summary>
internal enum LoadScenario
{
    Throughput,
    Held,
}

/// <summary>The <c>load</c> verb's command line.</summary>
internal sealed record LoadOptions
{
    public const string Usage = """
        usage: Milter.Benchmarks load --target SOCKET [options]

          --target SOCKET         inet:PORT@HOST, inet6:PORT@HOST, unix:/path, local:/path or /path
          --mode sign|verify      sign: client 127.0.0.1, From alice@example.com (default)
                                  verify: client 192.0.2.1, From alice@example.net, with a valid
                                  DKIM-Signature (d=example.net) made with --key; the daemon must find
                                  --selector._domainkey.example.net in DNS (see the dns verb)
          --key FILE              private key that signs the verify messages
          --selector NAME         selector of those signatures (default bench)
          --connections N         concurrent connections (default 1)
          --messages-per-connection N   messages in one milter session, as Postfix does for several
                                  messages in one SMTP session (default 1: one connection per message)
          --messages N            stop after N measured messages
          --duration SECONDS      or stop after this long (default 10 when --messages is not given)
          --warmup SECONDS        run the same load this long first, unmeasured (default 2; 0 for none)
          --size BYTES            message size, header and body, before any DKIM-Signature (default 300)
          --protocol 2|6          Postfix's milter_protocol (default 6)
          --sender-domains N      sign: message k (counting from 0 in each run) comes from alice@dM.example.com,
                                  M = k mod N, envelope and From alike, so that N messages visit N signing domains
                                  once each in order (the SigningTable must map each dM.example.com, M < N);
                                  default 0: every message from alice@example.com
          --extra-headers N       add N header fields (X-Load-Filler-1: ...) that no signer signs: each is one
                                  more HEADER round trip, so the difference in daemon CPU per message
                                  between two runs is the cost of a round trip (default 0)
          --scenario throughput|held
                                  held: open all --connections (negotiated, CONNECT and HELO sent), wait
                                  --settle seconds, read the daemon's memory, then every connection
                                  sends --messages-per-connection messages at once
          --settle SECONDS        held: idle time before reading memory (default 2)
          --pid PID               the daemon's process: CPU seconds (utime+stime, /proc/PID/stat), RSS before,
                                  peak RSS during the measured run (VmHWM, reset through clear_refs)
          --label TEXT            names the daemon in the output (default the target)
          --csv FILE              append one row of results (header written when the file is new)
          --timeout SECONDS       per message (default 60)
          --check-only            send one message, print the daemon's modifications and exit

        Latency runs from opening the connection (first message of a connection) or from MAIL (the others) to the
        end-of-message reply. On a small machine run it with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1, as
        compare-with-opendkim.sh does: the load generator then takes less of the CPU the daemon needs.
        """;

    public required EndPoint Target { get; init; }

    public required string TargetText { get; init; }

    public LoadMode Mode { get; init; } = LoadMode.Sign;

    public LoadScenario Scenario { get; init; } = LoadScenario.Throughput;

    public string? KeyFile { get; init; }

    public string Selector { get; init; } = "bench";

    public int Connections { get; init; } = 1;

    public int MessagesPerConnection { get; init; } = 1;

    public long? Messages { get; init; }

    public TimeSpan? Duration { get; init; }

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public int Size { get; init; } = 300;

    public int Protocol { get; init; } = 6;

    public int ExtraHeaders { get; init; }

    public int SenderDomains { get; init; }

    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(2);

    public int? Pid { get; init; }

    public string? Label { get; init; }

    public string? CsvPath { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public bool CheckOnly { get; init; }

    public string Transport => Target is UnixDomainSocketEndPoint ? "unix" : "tcp";

    /// <summary>Parses the arguments after the verb; throws <see cref="ArgumentException"/> with a plain message.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool checkOnly = false;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name == "--check-only")
            {
                checkOnly = true;
                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"unexpected argument '{name}'");
            }

            values[name[2..]] = args[++i];
        }

        string Take(string name, string fallback) => values.Remove(name, out var value) ? value : fallback;
        string? TakeOrNull(string name) => values.Remove(name, out var value) ? value : null;

        string targetText = TakeOrNull("target") ?? throw new ArgumentException("--target is required");
        var options = new LoadOptions
        {
            Target = ParseTarget(targetText),
            TargetText = targetText,
            Mode = Take("mode", "sign") switch
            {
                "sign" => LoadMode.Sign,
                "verify" => LoadMode.Verify,
                var other => throw new ArgumentException($"--mode must be sign or verify, not '{other}'"),
            },
            Scenario = Take("scenario", "throughput") switch
            {
                "throughput" => LoadScenario.Throughput,
                "held" => LoadScenario.Held,
                var other => throw new ArgumentException($"--scenario must be throughput or held, not '{other}'"),
            },
            KeyFile = TakeOrNull("key"),
            Selector = Take("selector", "bench"),
            Connections = Positive("connections", Take("connections", "1")),
            MessagesPerConnection = Positive("messages-per-connection", Take("messages-per-connection", "1")),
            Messages = TakeOrNull("messages") is { } messages ? Positive("messages", messages) : null,
            Duration = TakeOrNull("duration") is { } duration ? Seconds("duration", duration) : null,
            Warmup = Seconds("warmup", Take("warmup", "2")),
            Size = Positive("size", Take("size", "300")),
            Protocol = Take("protocol", "6") switch
            {
                "2" => 2,
                "6" => 6,
                var other => throw new ArgumentException($"--protocol must be 2 or 6, not '{other}'"),
            },
            ExtraHeaders = NonNegative("extra-headers", Take("extra-headers", "0")),
            SenderDomains = NonNegative("sender-domains", Take("sender-domains", "0")),
            Settle = Seconds("settle", Take("settle", "2")),
            Pid = TakeOrNull("pid") is { } pid ? Positive("pid", pid) : null,
            Label = TakeOrNull("label"),
            CsvPath = TakeOrNull("csv"),
            Timeout = Seconds("timeout", Take("timeout", "60")),
            CheckOnly = checkOnly,
        };

        if (values.Count > 0)
        {
            throw new ArgumentException($"unknown option --{values.Keys.First()}");
        }

        if (options.Mode == LoadMode.Verify && options.KeyFile is null)
        {
            throw new ArgumentException("--mode verify needs --key (the private key whose public half the DNS serves)");
        }

        if (options.Mode == LoadMode.Verify && options.SenderDomains > 0)
        {
            throw new ArgumentException("--sender-domains is for --mode sign (verify messages carry one signature made ahead)");
        }

        return options.Messages is null && options.Duration is null
            ? options with { Duration = TimeSpan.FromSeconds(10) }
            : options;
    }

    /// <summary><c>inet:PORT@HOST</c>, <c>inet6:PORT@HOST</c>, <c>unix:/path</c>, <c>local:/path</c> or a path.</summary>
    public static EndPoint ParseTarget(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith("inet:", StringComparison.Ordinal) || text.StartsWith("inet6:", StringComparison.Ordinal))
        {
            string rest = text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..];
            int at = rest.IndexOf('@', StringComparison.Ordinal);
            if (at <= 0 || !ushort.TryParse(rest[..at], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port))
            {
                throw new ArgumentException($"'{text}': expected inet:PORT@HOST");
            }

            string host = rest[(at + 1)..].Trim('[', ']');
            var address = IPAddress.TryParse(host, out var parsed)
                ? parsed
                : Dns.GetHostAddresses(host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetworkV6).First();
            return new IPEndPoint(address, port);
        }

        foreach (string prefix in new[] { "unix:", "local:" })
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return new UnixDomainSocketEndPoint(text[prefix.Length..]);
            }
        }

        return text.StartsWith('/')
            ? new UnixDomainSocketEndPoint(text)
            : throw new ArgumentException($"'{text}': expected inet:PORT@HOST, unix:/path or /path");
    }

    private static int Positive(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new ArgumentException($"--{name} must be a positive whole number, not '{text}'");

    private static int NonNegative(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"--{name} must be a whole number, not '{text}'");

    private static TimeSpan Seconds(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0
            ? TimeSpan.FromSeconds(value)
            : throw new ArgumentException($"--{name} must be a number of seconds, not '{text}'");
}
