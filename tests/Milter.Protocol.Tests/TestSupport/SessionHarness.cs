using System.IO.Pipelines;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Server;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Tests.TestSupport;

/// <summary>
/// One <see cref="MilterSession"/> over an in-memory socket. The session's input is a <see cref="Pipe"/>; its
/// output goes through <see cref="PipeWriter.Create(Stream, StreamPipeWriterOptions?)"/> into a
/// <see cref="RecordingStream"/>, exactly as <see cref="MilterServer"/> wires a network stream, so write
/// boundaries can be checked. <see cref="Client"/> is the MTA end.
/// </summary>
internal sealed class SessionHarness : IAsyncDisposable
{
    public const string Peer = "inet:34522@127.0.0.1";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly PipeOptions PipeOptions = new(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false);

    private readonly Pipe _toMilter = new(PipeOptions);
    private readonly Pipe _fromMilter = new(PipeOptions);

    private readonly CancellationToken _stopping;

    public SessionHarness(RecordingHandler? handler = null, MilterSessionOptions? options = null, CancellationToken stopping = default)
    {
        _stopping = stopping;
        Handler = handler ?? new RecordingHandler();
        Output = new RecordingStream(_fromMilter.Writer);
        var transport = new DuplexPipe(_toMilter.Reader, PipeWriter.Create(Output, new StreamPipeWriterOptions(leaveOpen: true)));
        Session = new MilterSession(transport, Handler, 1, Peer, options, Logs.CreateLogger("Milter.Session"));
        Completion = Task.Run(RunAsync, CancellationToken.None);
        Client = new MilterClient(new DuplexStream(_fromMilter.Reader.AsStream(), _toMilter.Writer.AsStream()));
    }

    public RecordingHandler Handler { get; }

    public TestLoggerFactory Logs { get; } = new();

    public RecordingStream Output { get; }

    public MilterSession Session { get; }

    /// <summary>The MTA end.</summary>
    public MilterClient Client { get; }

    /// <summary>Completes when the session has ended (and its output is closed).</summary>
    public Task Completion { get; }

    /// <summary>Sends commands, all in one write, and reads <paramref name="replies"/> replies.</summary>
    public async Task<List<MilterReply>> ExchangeAsync(int replies, params MilterCommand[] commands)
    {
        await SendAsync(commands);
        var list = new List<MilterReply>();
        for (int i = 0; i < replies; i++)
        {
            list.Add(await ReadReplyAsync());
        }

        return list;
    }

    /// <summary>Sends every command in one write, closes (EOF), and returns every reply.</summary>
    public async Task<List<MilterReply>> RunScriptAsync(params MilterCommand[] commands)
    {
        await SendAsync(commands);
        return await FinishAsync();
    }

    /// <summary>Sends commands as they are, all in one write.</summary>
    public Task SendAsync(params MilterCommand[] commands) => Client.SendRawAsync(Packets.Encode(commands));

    public Task SendRawAsync(byte[] bytes) => Client.SendRawAsync(bytes);

    public Task<MilterReply> ReadReplyAsync() => Client.ReadReplyAsync().WaitAsync(Timeout);

    /// <summary>The MTA closes its end (EOF for the session).</summary>
    public async Task CloseInputAsync() => await _toMilter.Writer.CompleteAsync();

    /// <summary>Waits for the session to end on its own (no EOF sent).</summary>
    public Task WaitForEndAsync() => Completion.WaitAsync(Timeout);

    /// <summary>EOF, wait for the session to end, and return every reply not read yet.</summary>
    public async Task<List<MilterReply>> FinishAsync()
    {
        await CloseInputAsync();
        await WaitForEndAsync();
        return await ReadRemainingAsync();
    }

    /// <summary>Every reply until the session's output closes.</summary>
    public async Task<List<MilterReply>> ReadRemainingAsync()
    {
        var replies = new List<MilterReply>();
        while (true)
        {
            try
            {
                replies.Add(await ReadReplyAsync());
            }
            catch (EndOfStreamException)
            {
                return replies;
            }
        }
    }

    /// <summary>OPTNEG with <paramref name="profile"/> then CONNECT as Postfix's local submission does.</summary>
    public async Task NegotiateAndConnectAsync(MtaProfile profile, IReadOnlyList<KeyValuePair<string, string>>? macros = null)
    {
        await Client.NegotiateAsync(profile).WaitAsync(Timeout);
        var reply = await Client.ConnectAsync("localhost", ConnectionFamily.Inet, 34522, "127.0.0.1", macros).WaitAsync(Timeout);
        Assert.Equal(ReplyCode.Continue, reply.Code);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        try
        {
            await Completion.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            // Reported by the test that left the session hanging.
        }
    }

    private async Task RunAsync()
    {
        try
        {
            await Session.RunAsync(_stopping);
        }
        finally
        {
            // The socket closes when the session ends.
            await _fromMilter.Writer.CompleteAsync();
        }
    }
}
