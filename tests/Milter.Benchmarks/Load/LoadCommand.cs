using System.Globalization;
using System.Text;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;

namespace Milter.Benchmarks.Load;

/// <summary>
/// The <c>load</c> verb: a whole-milter load against a running daemon (ours or OpenDKIM), reporting messages per
/// second, latency, errors, and, given the daemon's PID, its CPU time per message and peak RSS. See
/// <see cref="LoadOptions.Usage"/> and docs/BENCHMARKS.md ("Whole milter vs OpenDKIM").
/// </summary>
internal static class LoadCommand
{
    private static readonly string[] CsvColumns =
    [
        "label", "mode", "scenario", "transport", "protocol", "connections", "messages_per_connection", "size",
        "extra_headers", "messages", "errors", "seconds", "messages_per_s", "p50_ms", "p99_ms", "max_ms", "eom_p50_ms", "eom_p99_ms",
        "daemon_cpu_s", "daemon_cpu_ms_per_message", "daemon_rss_before_kb", "daemon_peak_rss_kb", "daemon_peak_growth_kb",
        "daemon_threads_after", "idle_connections", "idle_kb_per_connection", "loadgen_cpu_s", "other_cpu_s", "started_utc",
    ];

    public static int Run(IReadOnlyList<string> args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"load: {ex.Message}");
            Console.Error.WriteLine(LoadOptions.Usage);
            return 64;
        }

        try
        {
            return RunAsync(options).GetAwaiter().GetResult();
        }
        catch (DaemonGoneException ex)
        {
            Console.Error.WriteLine($"load: the daemon died during the run: {ex.Message}");
            return 70;
        }
    }

    private static async Task<int> RunAsync(LoadOptions options)
    {
        var messages = LoadMessages.Create(options);
        if (options.CheckOnly)
        {
            return await CheckAsync(options, messages).ConfigureAwait(false);
        }

        var runner = new LoadRunner(options, messages);
        string label = options.Label ?? options.TargetText;
        if (options.Warmup > TimeSpan.Zero)
        {
            var warm = options.Scenario == LoadScenario.Held
                ? await new LoadRunner(options with { Connections = Math.Min(options.Connections, 4) }, messages).RunThroughputAsync(options.Warmup, null).ConfigureAwait(false)
                : await runner.RunThroughputAsync(options.Warmup, null).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label}: warm-up {warm.Completed} messages in {warm.Elapsed.TotalSeconds:0.0} s, {warm.Errors} errors"));
        }

        var startedUtc = DateTime.UtcNow;
        ProcessSnapshot? before = null;
        if (options.Pid is { } pid)
        {
            ProcessStats.ResetPeak(pid);
            before = ProcessStats.Read(pid);
        }

        var ownCpuBefore = ProcessStats.OwnCpu();
        PhaseResult result;
        int idleConnections = 0;
        double? idleKbPerConnection = null;
        if (options.Scenario == LoadScenario.Held)
        {
            (result, idleConnections) = await runner.RunHeldAsync(async () =>
            {
                await Task.Delay(options.Settle).ConfigureAwait(false);
                if (options.Pid is { } heldPid && before is { } idle)
                {
                    var held = ProcessStats.Read(heldPid);
                    idleKbPerConnection = (held.RssKb - idle.RssKb) / (double)Math.Max(1, options.Connections);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{label}: {options.Connections} connections open and idle: daemon RSS {idle.RssKb} -> {held.RssKb} kB ({idleKbPerConnection:0.0} kB per connection), {held.Threads} threads"));
                }
            }).ConfigureAwait(false);
        }
        else
        {
            result = await runner.RunThroughputAsync(options.Duration, options.Messages).ConfigureAwait(false);
        }

        var ownCpu = ProcessStats.OwnCpu() - ownCpuBefore;
        ProcessSnapshot? after = options.Pid is { } pidAfter ? ProcessStats.Read(pidAfter) : null;
        double? daemonCpu = before is { } b && after is { } a ? (a.CpuTicks - b.CpuTicks) / ProcessSnapshot.TicksPerSecond : null;
        double? otherCpu = before is { } b2 && after is { } a2 && daemonCpu is { } d
            ? ((a2.MachineBusyTicks - b2.MachineBusyTicks) / ProcessSnapshot.TicksPerSecond) - d - ownCpu.TotalSeconds
            : null;

        Print(options, label, result, daemonCpu, before, after, ownCpu, otherCpu, idleConnections, idleKbPerConnection, runner.ErrorKinds);
        if (options.CsvPath is { } csv)
        {
            AppendCsv(csv, options, label, result, daemonCpu, before, after, ownCpu, otherCpu, idleConnections, idleKbPerConnection, startedUtc);
        }

        return 0;
    }

    private static void Print(LoadOptions options, string label, PhaseResult result, double? daemonCpu, ProcessSnapshot? before,
        ProcessSnapshot? after, TimeSpan ownCpu, double? otherCpu, int idleConnections, double? idleKbPerConnection,
        IReadOnlyDictionary<string, int> errorKinds)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"{label}: {options.Mode.ToString().ToLowerInvariant()} {options.Scenario.ToString().ToLowerInvariant()} ")
            .Append(c, $"{options.Transport} protocol {options.Protocol}, {options.Connections} connections, ")
            .Append(c, $"{options.MessagesPerConnection} message(s) per connection, {options.Size} bytes")
            .Append(options.ExtraHeaders > 0 ? string.Create(c, $", {options.ExtraHeaders} extra header fields\n") : "\n")
            .Append(c, $"  {result.Completed} messages in {result.Elapsed.TotalSeconds:0.00} s = {result.MessagesPerSecond:0.0} messages/s, {result.Errors} errors\n")
            .Append(c, $"  latency (connection or MAIL to end-of-message reply): p50 {result.Message.P50:0.000} ms, p99 {result.Message.P99:0.000} ms, max {result.Message.Max:0.000} ms\n")
            .Append(c, $"  end of message alone: p50 {result.EndOfMessage.P50:0.000} ms, p99 {result.EndOfMessage.P99:0.000} ms\n");
        if (daemonCpu is { } cpu && before is { } b && after is { } a)
        {
            text.Append(c, $"  daemon: CPU {cpu:0.00} s = {PerMessage(cpu, result.Completed):0.000} ms per message; RSS before {b.RssKb} kB, ")
                .Append(c, $"peak {a.HwmKb} kB (+{a.HwmKb - b.RssKb} kB), {a.Threads} threads after\n");
        }

        if (idleConnections > 0)
        {
            text.Append(c, $"  held: {idleConnections} of {options.Connections} connections opened")
                .Append(idleKbPerConnection is { } kb ? string.Create(c, $", {kb:0.0} kB of daemon RSS per idle connection") : "")
                .Append('\n');
        }

        text.Append(c, $"  load generator CPU {ownCpu.TotalSeconds:0.00} s")
            .Append(otherCpu is { } other ? string.Create(c, $"; rest of the machine {Math.Max(0, other):0.00} CPU s") : "")
            .Append('\n');
        foreach (var (kind, count) in errorKinds.OrderByDescending(e => e.Value).Take(5))
        {
            text.Append(c, $"  error x{count}: {kind}\n");
        }

        Console.Write(text.ToString());
    }

    private static void AppendCsv(string path, LoadOptions options, string label, PhaseResult result, double? daemonCpu,
        ProcessSnapshot? before, ProcessSnapshot? after, TimeSpan ownCpu, double? otherCpu, int idleConnections,
        double? idleKbPerConnection, DateTime startedUtc)
    {
        static string F(double? value, string format) =>
            value is { } v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "";

        string[] row =
        [
            label.Replace(',', ' '),
            options.Mode.ToString().ToLowerInvariant(),
            options.Scenario.ToString().ToLowerInvariant(),
            options.Transport,
            options.Protocol.ToString(CultureInfo.InvariantCulture),
            options.Connections.ToString(CultureInfo.InvariantCulture),
            options.MessagesPerConnection.ToString(CultureInfo.InvariantCulture),
            options.Size.ToString(CultureInfo.InvariantCulture),
            options.ExtraHeaders.ToString(CultureInfo.InvariantCulture),
            result.Completed.ToString(CultureInfo.InvariantCulture),
            result.Errors.ToString(CultureInfo.InvariantCulture),
            F(result.Elapsed.TotalSeconds, "0.000"),
            F(result.MessagesPerSecond, "0.0"),
            F(result.Message.P50, "0.000"),
            F(result.Message.P99, "0.000"),
            F(result.Message.Max, "0.000"),
            F(result.EndOfMessage.P50, "0.000"),
            F(result.EndOfMessage.P99, "0.000"),
            F(daemonCpu, "0.00"),
            F(daemonCpu is { } cpu ? PerMessage(cpu, result.Completed) : null, "0.000"),
            before is { } b ? b.RssKb.ToString(CultureInfo.InvariantCulture) : "",
            after is { } a ? a.HwmKb.ToString(CultureInfo.InvariantCulture) : "",
            before is { } b2 && after is { } a2 ? (a2.HwmKb - b2.RssKb).ToString(CultureInfo.InvariantCulture) : "",
            after is { } a3 ? a3.Threads.ToString(CultureInfo.InvariantCulture) : "",
            idleConnections.ToString(CultureInfo.InvariantCulture),
            F(idleKbPerConnection, "0.0"),
            F(ownCpu.TotalSeconds, "0.00"),
            F(otherCpu is { } o ? Math.Max(0, o) : null, "0.00"),
            startedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ];
        bool isNew = !File.Exists(path) || new FileInfo(path).Length == 0;
        using var writer = new StreamWriter(path, append: true);
        if (isNew)
        {
            writer.WriteLine(string.Join(',', CsvColumns));
        }

        writer.WriteLine(string.Join(',', row));
    }

    private static double PerMessage(double cpuSeconds, long messages) => messages > 0 ? cpuSeconds * 1000 / messages : double.NaN;

    /// <summary>One message; prints the daemon's replies. Exit 0 if they are what the mode expects.</summary>
    private static async Task<int> CheckAsync(LoadOptions options, LoadMessages messages)
    {
        await using var client = await MilterClient.ConnectAsync(options.Target).ConfigureAwait(false);
        var negotiated = await client.NegotiateAsync(options.Protocol == 2 ? MtaProfile.Postfix2 : MtaProfile.Postfix6).ConfigureAwait(false);
        Console.WriteLine($"negotiated: {negotiated}");
        await client.ConnectAsync(messages.ClientHost, ConnectionFamily.Inet, 40000, messages.ClientAddress).ConfigureAwait(false);
        await client.HeloAsync(messages.ClientHost).ConfigureAwait(false);
        KeyValuePair<string, string>[] macros = [new("i", "CHECK0001")];
        await client.MailAsync([messages.Sender], macros).ConfigureAwait(false);
        await client.RecipientAsync([messages.Recipient], macros).ConfigureAwait(false);
        await client.DataAsync(macros).ConfigureAwait(false);
        var result = await client.SendContentAsync(messages.Variants[0], "CHECK0001").ConfigureAwait(false);
        await client.QuitAsync().ConfigureAwait(false);
        foreach (var modification in result.Modifications)
        {
            Console.WriteLine(modification switch
            {
                InsertHeaderReply insert => $"insert header {insert.Index}: {insert.Name}:{Encoding.ASCII.GetString(insert.Value.Span)}",
                AddHeaderReply add => $"add header: {add.Name}:{Encoding.ASCII.GetString(add.Value.Span)}",
                var other => other.ToString(),
            });
        }

        Console.WriteLine($"final ({result.DecidedAt}): {result.Final}");
        string? problem = messages.Check(result.Final, result.Modifications);
        Console.WriteLine(problem is null ? "check: as expected" : $"check: {problem}");
        return problem is null ? 0 : 1;
    }
}
