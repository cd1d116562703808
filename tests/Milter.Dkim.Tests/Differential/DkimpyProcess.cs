using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Milter.Dkim.Tests.Differential;

/// <summary>
/// One long-lived <c>/usr/bin/python3 dkimpy_driver.py</c> process: a request is one JSON line on its stdin, the
/// answer one JSON line on its stdout. Debian's interpreter on purpose: the first python3 on PATH may be
/// another one without the dkim module.
/// </summary>
internal sealed class DkimpyProcess : IAsyncDisposable
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrPump;

    private DkimpyProcess(Process process)
    {
        _process = process;
        _stderrPump = Task.Run(async () =>
        {
            string? line;
            while ((line = await process.StandardError.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(line);
                }
            }
        });
    }

    public static DkimpyProcess Start()
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Differential", "dkimpy_driver.py");
        if (!File.Exists(Interpreter))
        {
            throw new InvalidOperationException($"{Interpreter} is missing: install Debian's python3-dkim (tests/install-dependencies.sh)");
        }

        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"{script} is missing: the test project copies Differential/*.py to its output");
        }

        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("-I"); // isolated: no user site-packages, no PYTHON* variables
        start.ArgumentList.Add(script);
        return new DkimpyProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}"));
    }

    /// <summary>Sends one batch and waits for its answer.</summary>
    public async Task<DkimpyResponse> RunAsync(DkimpyRequest request)
    {
        string line = JsonSerializer.Serialize(request, Json);
        await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        string? answer = await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false);
        if (answer is null)
        {
            await _process.WaitForExitAsync().ConfigureAwait(false);
            await _stderrPump.ConfigureAwait(false);
            throw new InvalidOperationException(
                $"the dkimpy driver exited ({_process.ExitCode}) without answering. Is python3-dkim installed for {Interpreter}? stderr:\n{Stderr}");
        }

        return JsonSerializer.Deserialize<DkimpyResponse>(answer, Json)
            ?? throw new InvalidOperationException("the dkimpy driver answered null");
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        finally
        {
            _process.Dispose();
        }
    }
}

internal sealed record DkimpyRequest
{
    public Dictionary<string, string>? Keys { get; init; }

    public List<DkimpyCanonCase>? Canon { get; init; }

    public List<DkimpySignJob>? Sign { get; init; }

    /// <summary>Whole messages; dkimpy verifies the topmost signature.</summary>
    public List<byte[]>? Verify { get; init; }
}

/// <summary>A header (Name, Value without the final CRLF) or a body (Body) to canonicalize.</summary>
internal sealed record DkimpyCanonCase(string Kind, string Algorithm, byte[]? Name = null, byte[]? Value = null, byte[]? Body = null);

internal sealed record DkimpySignJob(
    byte[] Message, string Selector, string Domain, string Algorithm, string Key, string Header, string Body, IReadOnlyList<string> Headers, bool Length);

internal sealed record DkimpyResponse(List<byte[]> Canon, List<DkimpySignResult> Sign, List<DkimpyVerifyResult> Verify, string Version);

internal sealed record DkimpySignResult(byte[]? Signature, string? Error);

internal sealed record DkimpyVerifyResult(bool Pass, string? Error);
