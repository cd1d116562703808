using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Milter.IntegrationTests.Parity;

/// <summary>
/// The real OpenDKIM (Debian's /usr/sbin/opendkim, 2.11) running in the foreground on a loopback port with a
/// configuration file, its stderr collected. Disposing kills it.
/// </summary>
internal sealed class OpenDkimProcess : IAsyncDisposable
{
    public const string OpenDkimPath = "/usr/sbin/opendkim";

    /// <summary>
    /// Settings every parity configuration gets, after the socket:
    /// <list type="bullet">
    /// <item><c>Background no</c>, <c>Syslog no</c>: stay a child of the test; there is no syslog to log to.</item>
    /// <item><c>AlwaysAddARHeader yes</c>: without it, verifying unsigned mail (all the parity mail is unsigned)
    /// leaves no trace, so "verify" and "nothing" would look the same. It only decides whether mlfi_eom writes
    /// <c>dkim=none</c>; <c>SigningPolicyParityTests.AlwaysAddARHeader_only_makes_verification_visible</c> checks
    /// that it changes no decision.</item>
    /// <item><c>RequireSafeKeys no</c>: the key lives under /tmp, which is world-writable (sticky); OpenDKIM checks
    /// every parent directory and would tempfail each message it signs ("key data is not secure").</item>
    /// <item><c>Nameservers 127.0.0.1</c>, <c>DNSTimeout 1</c>: no real DNS. Unsigned mail needs no look-up;
    /// should one happen anyway it fails at once instead of waiting on the network.</item>
    /// </list>
    /// </summary>
    public const string CommonSettings = """
        Background          no
        Syslog              no
        AlwaysAddARHeader   yes
        RequireSafeKeys     no
        Nameservers         127.0.0.1
        DNSTimeout          1

        """;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private OpenDkimProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>Everything it wrote (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>opendkim -f -x CONFIG</c> (the config names its socket, <c>inet:PORT@127.0.0.1</c>) and waits until
    /// the port accepts connections.
    /// </summary>
    public static async Task<OpenDkimProcess> StartAsync(string configPath, int port)
    {
        if (!File.Exists(OpenDkimPath))
        {
            throw new InvalidOperationException($"{OpenDkimPath} is missing: apt-get install opendkim opendkim-tools miltertest");
        }

        var startInfo = new ProcessStartInfo(OpenDkimPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add("-f");
        startInfo.ArgumentList.Add("-x");
        startInfo.ArgumentList.Add(configPath);
        var opendkim = new OpenDkimProcess(new Process { StartInfo = startInfo }, port);
        opendkim._process.OutputDataReceived += (_, e) => opendkim.Append(e.Data);
        opendkim._process.ErrorDataReceived += (_, e) => opendkim.Append(e.Data);
        opendkim._process.Start();
        opendkim._process.BeginOutputReadLine();
        opendkim._process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (opendkim._process.HasExited)
            {
                await opendkim._process.WaitForExitAsync();
                string output = opendkim.Output;
                int exitCode = opendkim._process.ExitCode;
                await opendkim.DisposeAsync();
                throw new InvalidOperationException($"opendkim -x {configPath} exited with {exitCode} before listening:\n{output}\n{File.ReadAllText(configPath)}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return opendkim;
            }
            catch (SocketException) when (deadline.Elapsed < StartTimeout)
            {
                await Task.Delay(20);
            }
            catch (SocketException ex)
            {
                await opendkim.DisposeAsync();
                throw new InvalidOperationException($"opendkim -x {configPath} is not listening on port {port} after {StartTimeout.TotalSeconds:0} s:\n{opendkim.Output}", ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // A test instance: no graceful shutdown needed (SIGTERM makes OpenDKIM wait for its threads).
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
