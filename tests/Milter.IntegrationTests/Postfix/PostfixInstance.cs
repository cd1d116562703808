using System.Text.RegularExpressions;
using Milter.IntegrationTests.Processes;

namespace Milter.IntegrationTests.Postfix;

/// <summary>
/// A private Postfix (the installed binaries, its own config, queue, data, log and maildir under a
/// temp directory) listening for SMTP on a free loopback port and calling the milter on
/// 127.0.0.1:milterPort for SMTP mail (smtpd_milters) and sendmail mail (non_smtpd_milters).
/// Needs root. Any number of instances can run side by side. Dispose to stop it and delete its files.
/// </summary>
public sealed partial class PostfixInstance : IAsyncDisposable
{
    private const string PostfixCommand = "/usr/sbin/postfix";
    private const string SendmailCommand = "/usr/sbin/sendmail";
    private const string SystemMasterCf = "/etc/postfix/master.cf";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private const int MailLogTailLines = 40;

    private bool _started;

    private PostfixInstance(string rootDirectory, int smtpPort)
    {
        RootDirectory = rootDirectory;
        SmtpPort = smtpPort;
    }

    /// <summary>The temp directory holding etc/, queue/, data/, mail/ and the maillog.</summary>
    public string RootDirectory { get; }

    public int SmtpPort { get; }

    public string ConfigDirectory => Path.Combine(RootDirectory, "etc");

    public string MailLogPath => Path.Combine(RootDirectory, "maillog");

    /// <summary>Where Postfix puts each message delivered to anyone@receiver.example.</summary>
    public string InboxDirectory => Path.Combine(RootDirectory, "mail", "inbox", "new");

    public static Task<PostfixInstance> StartAsync(int milterPort, int milterProtocol, CancellationToken cancellationToken = default) =>
        StartAsync(milterPort, milterProtocol, extraMainCf: null, cancellationToken);

    /// <param name="milterPort">Port of the milter on 127.0.0.1.</param>
    /// <param name="milterProtocol">milter_protocol: the version Postfix offers, 2 to 6.</param>
    /// <param name="extraMainCf">main.cf settings added to or replacing the defaults, e.g.
    /// <c>["smtpd_milters"] = ""</c> for no milter.</param>
    public static async Task<PostfixInstance> StartAsync(
        int milterPort,
        int milterProtocol,
        IReadOnlyDictionary<string, string>? extraMainCf,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(milterProtocol, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(milterProtocol, 6);

        var instance = await CreateAsync(milterPort, milterProtocol, extraMainCf, chrootedCommands: null, cancellationToken);
        try
        {
            // `start` creates the queue subdirectories and data/ with the owners Postfix wants, checks
            // the installation, and (master -w) returns only once the master listens on every port.
            // Marked started first: a failed start may still leave a master to stop.
            instance._started = true;
            var result = await instance.PostfixAsync("start", cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"Postfix did not start: {result}\n{instance.MailLogTail()}");
            }
            return instance;
        }
        catch
        {
            await instance.StopAndDeleteAsync(ignoreStopFailure: true);
            throw;
        }
    }

    /// <summary>
    /// Writes an instance's files without starting it: enough for <c>postconf -c ConfigDirectory</c> (what
    /// <c>dkim-milter doctor</c> reads). <paramref name="chrootedCommands"/> names the master.cf commands (smtpd,
    /// cleanup...) whose chroot column is y; every other service gets n. Dispose deletes the files.
    /// </summary>
    public static async Task<PostfixInstance> CreateAsync(
        int milterPort,
        int milterProtocol,
        IReadOnlyDictionary<string, string>? extraMainCf,
        IReadOnlyCollection<string>? chrootedCommands,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(milterProtocol, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(milterProtocol, 6);

        var root = Directory.CreateTempSubdirectory("milter-postfix-").FullName;
        var instance = new PostfixInstance(root, FreePort.Pick());
        try
        {
            await instance.WriteFilesAsync(milterPort, milterProtocol, extraMainCf, chrootedCommands, cancellationToken);
            return instance;
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    private async Task WriteFilesAsync(
        int milterPort,
        int milterProtocol,
        IReadOnlyDictionary<string, string>? extraMainCf,
        IReadOnlyCollection<string>? chrootedCommands,
        CancellationToken cancellationToken)
    {
        // CreateTempSubdirectory makes a 0700 directory; the master opens its lock file in data/ as
        // mail_owner and virtual(8) delivers as nobody, and both must get through it.
        File.SetUnixFileMode(RootDirectory, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(ConfigDirectory);
        // Postfix chdirs into the queue directory before its checks create the subdirectories.
        Directory.CreateDirectory(Path.Combine(RootDirectory, "queue"));
        // virtual(8) creates the maildir in here as nobody (uid 65534). Do not create data/: Postfix
        // creates it owned by mail_owner, while a root-owned one makes `start` fail ("open lock file
        // ... Permission denied").
        var mailDirectory = Directory.CreateDirectory(Path.Combine(RootDirectory, "mail"));
        mailDirectory.UnixFileMode = (UnixFileMode)0b111_111_111;

        var settings = PostfixConfigFiles.MainCfSettings(RootDirectory, milterPort, milterProtocol);
        foreach (var (name, value) in extraMainCf ?? new Dictionary<string, string>())
        {
            settings[name] = value;
        }
        await File.WriteAllTextAsync(Path.Combine(ConfigDirectory, "main.cf"), PostfixConfigFiles.MainCf(settings), cancellationToken);
        var masterCf = PostfixConfigFiles.MasterCf(await File.ReadAllTextAsync(SystemMasterCf, cancellationToken), SmtpPort, chrootedCommands ?? []);
        await File.WriteAllTextAsync(Path.Combine(ConfigDirectory, "master.cf"), masterCf, cancellationToken);
    }

    /// <summary>
    /// Sends all <paramref name="messages"/> from <paramref name="from"/> to <paramref name="to"/> in
    /// ONE SMTP session (a new MAIL right after the previous message's 250). Throws
    /// <see cref="SmtpReplyException"/> on any unexpected reply. Returns the queue ids, in order.
    /// </summary>
    /// <param name="xclient">XCLIENT attributes such as <c>ADDR=192.0.2.44 NAME=mx.outside.example</c>,
    /// to make the session (and the milter's CONNECT) look like it comes from outside.</param>
    public async Task<IReadOnlyList<string>> SendSmtpAsync(
        string from,
        string[] to,
        IReadOnlyList<string> messages,
        string? xclient = null,
        CancellationToken cancellationToken = default)
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(SmtpPort, cancellationToken);
        await smtp.CommandAsync("EHLO client.test.example", 250, cancellationToken);
        if (xclient is not null)
        {
            // XCLIENT restarts the session with a new greeting, so EHLO again.
            await smtp.CommandAsync($"XCLIENT {xclient}", 220, cancellationToken);
            await smtp.CommandAsync("EHLO client.test.example", 250, cancellationToken);
        }
        var queueIds = new List<string>();
        foreach (var message in messages)
        {
            await smtp.CommandAsync($"MAIL FROM:<{from}>", 250, cancellationToken);
            foreach (var recipient in to)
            {
                await smtp.CommandAsync($"RCPT TO:<{recipient}>", 250, cancellationToken);
            }
            var reply = await smtp.SendDataAsync(message, cancellationToken);
            var queued = QueuedAs().Match(reply);
            queueIds.Add(queued.Success ? queued.Groups[1].Value : throw new SmtpReplyException("(end of DATA)", 250, reply));
        }
        await smtp.CommandAsync("QUIT", 221, cancellationToken);
        return queueIds;
    }

    /// <summary>
    /// Submits a message the way local programs do (sendmail → postdrop → pickup → cleanup), which
    /// goes through non_smtpd_milters. Recipients come from the To/Cc/Bcc headers (-t).
    /// </summary>
    public async Task SubmitWithSendmailAsync(string from, string rawMessage, CancellationToken cancellationToken = default)
    {
        // -i: a line holding just "." is message content, not the end of input.
        var result = await ProcessRunner.RunAsync(
            SendmailCommand,
            ["-i", "-f", from, "-t"],
            CommandTimeout,
            rawMessage,
            new Dictionary<string, string> { ["MAIL_CONFIG"] = ConfigDirectory },
            cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"sendmail failed: {result}\n{MailLogTail()}");
        }
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> messages sit in the inbox and returns the raw
    /// bytes of all of them, oldest delivery first. Delivery takes a few milliseconds once Postfix
    /// has accepted a message, so a timeout means the message was stuck, deferred or bounced.
    /// </summary>
    public async Task<IReadOnlyList<byte[]>> WaitForDeliveredAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var files = DeliveredFiles();
            if (files.Count >= count)
            {
                return await Task.WhenAll(files.Select(file => File.ReadAllBytesAsync(file.FullName, cancellationToken)));
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"expected {count} delivered message(s) in {InboxDirectory} within {timeout.TotalSeconds:0.#} s, found {files.Count}\n{MailLogTail()}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    /// <summary>Files in inbox/new, oldest first (maildir writes in tmp/ and renames, so they are complete).</summary>
    private List<FileInfo> DeliveredFiles()
    {
        var inbox = new DirectoryInfo(InboxDirectory);
        return inbox.Exists
            ? inbox.GetFiles().OrderBy(file => file.LastWriteTimeUtc).ThenBy(file => file.Name, StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>The whole maillog. postlogd writes it a moment after the event it reports.</summary>
    public string ReadMailLog() => File.Exists(MailLogPath) ? File.ReadAllText(MailLogPath) : "";

    /// <summary>
    /// Maillog lines reporting trouble: milter failures (unreachable, protocol errors, timeouts)
    /// are logged as "warning:", and a healthy run has none of these.
    /// </summary>
    public IReadOnlyList<string> ReadMailLogProblems() =>
        ReadMailLog().Split('\n').Where(line => ProblemLine().IsMatch(line)).ToList();

    /// <summary>
    /// Waits for the first maillog line containing <paramref name="text"/> and returns it. Use this
    /// rather than <see cref="ReadMailLog"/> right after an SMTP reply: the line may not be written yet.
    /// </summary>
    public async Task<string> WaitForMailLogLineAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var line = ReadMailLog().Split('\n').FirstOrDefault(candidate => candidate.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"no maillog line containing \"{text}\" within {timeout.TotalSeconds:0.#} s\n{MailLogTail()}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    /// <summary>The end of the maillog, for failure messages.</summary>
    public string MailLogTail()
    {
        var lines = ReadMailLog().TrimEnd('\n').Split('\n');
        return $"--- last lines of {MailLogPath} ---\n{string.Join('\n', lines.TakeLast(MailLogTailLines))}";
    }

    /// <summary>Stops Postfix (waiting for it to exit) and deletes the temp directory.</summary>
    public async ValueTask DisposeAsync() => await StopAndDeleteAsync(ignoreStopFailure: false);

    private async Task StopAndDeleteAsync(bool ignoreStopFailure)
    {
        if (!_started)
        {
            Directory.Delete(RootDirectory, recursive: true);
            return;
        }

        ProcessResult stop;
        string log;
        try
        {
            // `stop` signals the master and returns once it has exited: usually within 50 ms, as
            // postfix-script polls once a second, sometimes ~1 s.
            stop = await PostfixAsync("stop", CancellationToken.None);
            log = MailLogTail();
        }
        finally
        {
            Directory.Delete(RootDirectory, recursive: true);
        }
        if (!ignoreStopFailure && stop.ExitCode != 0)
        {
            throw new InvalidOperationException($"Postfix did not stop cleanly: {stop}\n{log}");
        }
    }

    private Task<ProcessResult> PostfixAsync(string command, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(PostfixCommand, ["-c", ConfigDirectory, command], CommandTimeout, cancellationToken: cancellationToken);

    [GeneratedRegex(@"queued as (\S+)")]
    private static partial Regex QueuedAs();

    [GeneratedRegex(@"\b(warning|error|fatal|panic):")]
    private static partial Regex ProblemLine();
}
