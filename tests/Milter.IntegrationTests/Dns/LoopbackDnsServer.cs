using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Milter.IntegrationTests.Dns;

/// <summary>
/// A DNS server on 127.0.0.1 (UDP and TCP, same ephemeral port) serving TXT records from a table the test edits
/// while it runs. Point a resolver at <see cref="EndPoint"/>, or the daemon at it with the configuration line
/// <c>Nameservers 127.0.0.1:PORT</c> (<see cref="NameserversValue"/>).
/// <para>
/// UDP answers honour EDNS: they may be as large as the smaller of the client's OPT payload size and
/// <see cref="MaxUdpPayloadSize"/> (512 bytes without OPT); a larger answer is sent empty with TC set, so the
/// client has to repeat the query over TCP. Names not in the table get NXDOMAIN.
/// </para>
/// </summary>
public sealed class LoopbackDnsServer : IAsyncDisposable
{
    /// <summary>TTL used when a test does not say.</summary>
    public const uint DefaultTtl = 300;

    /// <summary>SOA MINIMUM (negative-caching TTL) used when a test does not say.</summary>
    public const uint DefaultSoaMinimum = 60;

    /// <summary>The largest string a TXT record can hold (its length is one byte).</summary>
    public const int MaxTxtStringLength = 255;

    private const int ClassicUdpLimit = 512;
    private const ushort TypeAny = 255;

    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, LoopbackDnsEntry> _table = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<LoopbackDnsQuery> _queries = new();
    private readonly List<Task> _work = [];
    private Task _udpLoop = Task.CompletedTask;
    private Task _tcpLoop = Task.CompletedTask;

    private LoopbackDnsServer(Socket udp, TcpListener tcp)
    {
        _udp = udp;
        _tcp = tcp;
        EndPoint = (IPEndPoint)udp.LocalEndPoint!;
    }

    /// <summary>Where the server listens (UDP and TCP).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The port, the same for UDP and TCP.</summary>
    public int Port => EndPoint.Port;

    /// <summary>The value for the daemon's <c>Nameservers</c> line.</summary>
    public string NameserversValue => $"127.0.0.1:{Port}";

    /// <summary>
    /// The server's own EDNS buffer size. Lower it (e.g. to 512) to make large answers truncated over UDP and so
    /// exercise the client's TCP fallback, as a server with a small edns-udp-size does.
    /// </summary>
    public int MaxUdpPayloadSize { get; set; } = 4096;

    /// <summary>Every query received so far, in order of arrival.</summary>
    public IReadOnlyList<LoopbackDnsQuery> Queries => [.. _queries];

    /// <summary>Binds UDP on an ephemeral loopback port, then TCP on the same port (retrying if it is taken), and starts serving.</summary>
    public static Task<LoopbackDnsServer> StartAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            var tcp = new TcpListener(IPAddress.Loopback, port);
            try
            {
                tcp.Start();
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 50)
            {
                // The kernel chose a UDP port whose TCP twin is in use; ask for another.
                udp.Dispose();
                continue;
            }
            catch
            {
                udp.Dispose();
                throw;
            }

            var server = new LoopbackDnsServer(udp, tcp);
            server._udpLoop = server.ServeUdpAsync(server._stopping.Token);
            server._tcpLoop = server.ServeTcpAsync(server._stopping.Token);
            return Task.FromResult(server);
        }
    }

    /// <summary>Splits a record's text into strings of at most 255 characters (bytes: key records are ASCII), as zone files and signing tools do.</summary>
    public static IReadOnlyList<string> SplitIntoStrings(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var strings = new List<string>();
        for (var start = 0; start < text.Length; start += MaxTxtStringLength)
        {
            strings.Add(text.Substring(start, Math.Min(MaxTxtStringLength, text.Length - start)));
        }

        return strings.Count == 0 ? [""] : strings;
    }

    /// <summary>Makes <paramref name="name"/> answer with exactly one TXT record made of <paramref name="strings"/>.</summary>
    public void SetTxt(string name, int ttl, params string[] strings) =>
        _table[Normalize(name)] = new LoopbackDnsEntry(LoopbackDnsBehaviour.Answer, [TxtRecord(ttl, strings)]);

    /// <summary>Adds another TXT record to <paramref name="name"/> (which then answers with all of them).</summary>
    public void AddTxt(string name, int ttl, params string[] strings)
    {
        var record = TxtRecord(ttl, strings);
        _table.AddOrUpdate(
            Normalize(name),
            _ => new LoopbackDnsEntry(LoopbackDnsBehaviour.Answer, [record]),
            (_, old) => old.Behaviour == LoopbackDnsBehaviour.Answer
                ? old with { Records = [.. old.Records, record] }
                : new LoopbackDnsEntry(LoopbackDnsBehaviour.Answer, [record]));
    }

    /// <summary>Publishes a DKIM key record at <c>selector._domainkey.domain</c>, split into 255-byte strings.</summary>
    public void SetKeyRecord(string selector, string domain, string recordText, int ttl = (int)DefaultTtl) =>
        SetTxt($"{selector}._domainkey.{domain}", ttl, [.. SplitIntoStrings(recordText)]);

    /// <summary>Makes <paramref name="name"/> a CNAME to <paramref name="target"/>.</summary>
    public void SetCname(string name, string target, int ttl = (int)DefaultTtl) =>
        _table[Normalize(name)] = new LoopbackDnsEntry(LoopbackDnsBehaviour.Cname, [], CnameTarget: Normalize(target), CnameTtl: Ttl(ttl));

    /// <summary>Makes <paramref name="name"/> NXDOMAIN, with an SOA whose TTL and MINIMUM are <paramref name="soaMinimum"/>.</summary>
    public void SetNxDomain(string name, int soaMinimum = (int)DefaultSoaMinimum) =>
        _table[Normalize(name)] = new LoopbackDnsEntry(LoopbackDnsBehaviour.NxDomain, [], Ttl(soaMinimum));

    /// <summary>Makes <paramref name="name"/> exist without TXT records (NOERROR, no answer, SOA in authority).</summary>
    public void SetNoData(string name, int soaMinimum = (int)DefaultSoaMinimum) =>
        _table[Normalize(name)] = new LoopbackDnsEntry(LoopbackDnsBehaviour.NoData, [], Ttl(soaMinimum));

    /// <summary>Makes queries for <paramref name="name"/> get SERVFAIL.</summary>
    public void SetServFail(string name) => SetBehaviour(name, LoopbackDnsBehaviour.ServFail);

    /// <summary>Makes queries for <paramref name="name"/> get REFUSED.</summary>
    public void SetRefused(string name) => SetBehaviour(name, LoopbackDnsBehaviour.Refused);

    /// <summary>Makes queries for <paramref name="name"/> go unanswered.</summary>
    public void SetNoAnswer(string name) => SetBehaviour(name, LoopbackDnsBehaviour.NoAnswer);

    /// <summary>Delays every answer for <paramref name="name"/> (set after the behaviour; a later Set* clears it).</summary>
    public void SetDelay(string name, TimeSpan delay) =>
        _table.AddOrUpdate(
            Normalize(name),
            _ => new LoopbackDnsEntry(LoopbackDnsBehaviour.NxDomain, [], Delay: delay),
            (_, old) => old with { Delay = delay });

    /// <summary>
    /// Makes every UDP answer for <paramref name="name"/> empty with TC set, whatever its size, so the client must
    /// repeat the query over TCP, where the full answer comes (set after the behaviour; a later Set* clears it).
    /// </summary>
    public void SetTruncatedOverUdp(string name) => Modify(name, entry => entry with { TruncateOverUdp = true });

    /// <summary>
    /// Sends a forged UDP response before each real one for <paramref name="name"/>: TXT records made of
    /// <paramref name="forgedRecord"/> (split into 255-byte strings), with a wrong ID or for a wrong name as
    /// <paramref name="forgery"/> says. The real answer follows <see cref="ForgeryLead"/> later.
    /// </summary>
    public void SetForgedAnswer(string name, LoopbackDnsForgery forgery, string forgedRecord) =>
        Modify(name, entry => entry with
        {
            Forgery = forgery,
            ForgedRecords = [TxtRecord((int)DefaultTtl, [.. SplitIntoStrings(forgedRecord)])],
        });

    /// <summary>
    /// Holds every answer for <paramref name="name"/> (queries are still read and counted) until the returned source
    /// is completed, so a test can have many look-ups in flight at once.
    /// </summary>
    public TaskCompletionSource HoldAnswers(string name)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Modify(name, entry => entry with { Hold = release.Task });
        return release;
    }

    /// <summary>How long the real answer follows a forged one.</summary>
    public static TimeSpan ForgeryLead { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Forgets <paramref name="name"/> (it becomes NXDOMAIN).</summary>
    public void Remove(string name) => _table.TryRemove(Normalize(name), out _);

    /// <summary>Queries received for <paramref name="name"/> over UDP and TCP together, case-insensitively.</summary>
    public int QueryCount(string name)
    {
        var normalized = Normalize(name);
        return _queries.Count(q => string.Equals(q.Name, normalized, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Queries received for <paramref name="name"/> over TCP.</summary>
    public int TcpQueryCount(string name)
    {
        var normalized = Normalize(name);
        return _queries.Count(q => q.Transport == DnsTransport.Tcp && string.Equals(q.Name, normalized, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Stops listening, ends open TCP connections and unanswered work, and waits for all of it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _udp.Dispose();
        _tcp.Stop();
        Task[] work;
        lock (_work)
        {
            work = [_udpLoop, _tcpLoop, .. _work];
        }

        try
        {
            await Task.WhenAll(work);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // Each piece of work ends on its own terms when the sockets close; how it ended does not matter here.
        }

        _stopping.Dispose();
    }

    private static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.TrimEnd('.').ToLowerInvariant();
    }

    private static uint Ttl(int seconds) =>
        seconds >= 0 ? (uint)seconds : throw new ArgumentOutOfRangeException(nameof(seconds), "A TTL cannot be negative.");

    private static LoopbackTxtRecord TxtRecord(int ttl, string[] strings)
    {
        var bytes = strings.Select(Encoding.UTF8.GetBytes).ToArray();
        if (bytes.Any(b => b.Length > MaxTxtStringLength))
        {
            throw new ArgumentException($"A TXT string holds at most {MaxTxtStringLength} bytes; use SetKeyRecord or SplitIntoStrings.", nameof(strings));
        }

        return new LoopbackTxtRecord(Ttl(ttl), bytes);
    }

    private void Modify(string name, Func<LoopbackDnsEntry, LoopbackDnsEntry> change) =>
        _table.AddOrUpdate(
            Normalize(name),
            _ => change(new LoopbackDnsEntry(LoopbackDnsBehaviour.NxDomain, [])),
            (_, old) => change(old));

    private void SetBehaviour(string name, LoopbackDnsBehaviour behaviour) =>
        _table[Normalize(name)] = new LoopbackDnsEntry(behaviour, []);

    private void Track(Task task)
    {
        lock (_work)
        {
            _work.RemoveAll(t => t.IsCompleted);
            _work.Add(task);
        }
    }

    private async Task ServeUdpAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[65535];
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A client that went away (ICMP unreachable) says nothing about the next query.
                continue;
            }

            var packet = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            Track(AnswerUdpAsync(packet, received.RemoteEndPoint, cancellationToken));
        }
    }

    private async Task AnswerUdpAsync(byte[] packet, EndPoint client, CancellationToken cancellationToken)
    {
        try
        {
            if (Forge(packet) is { } forged)
            {
                await _udp.SendToAsync(forged, SocketFlags.None, client, cancellationToken);
                await Task.Delay(ForgeryLead, cancellationToken);
            }

            var response = await RespondAsync(packet, DnsTransport.Udp, cancellationToken);
            if (response is not null)
            {
                await _udp.SendToAsync(response, SocketFlags.None, client, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping, or the client is gone: nothing to answer.
        }
    }

    private async Task ServeTcpAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _tcp.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Track(ServeConnectionAsync(client, cancellationToken));
        }
    }

    // RFC 1035 4.2.2 / RFC 7766: each message is preceded by its two-byte length; a connection may carry several.
    private async Task ServeConnectionAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var lengthBytes = new byte[2];
                while (true)
                {
                    await stream.ReadExactlyAsync(lengthBytes, cancellationToken);
                    var packet = new byte[(lengthBytes[0] << 8) | lengthBytes[1]];
                    await stream.ReadExactlyAsync(packet, cancellationToken);
                    var response = await RespondAsync(packet, DnsTransport.Tcp, cancellationToken);
                    if (response is null)
                    {
                        continue;
                    }

                    await stream.WriteAsync(new[] { (byte)(response.Length >> 8), (byte)response.Length }, cancellationToken);
                    await stream.WriteAsync(response, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is EndOfStreamException or IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The client closed the connection, or we are stopping.
            }
        }
    }

    private async Task<byte[]?> RespondAsync(byte[] packet, DnsTransport transport, CancellationToken cancellationToken)
    {
        if (DnsWireQuery.TryParse(packet) is not { } query)
        {
            return null;
        }

        _queries.Enqueue(new LoopbackDnsQuery(query.Name, query.Type, transport, query.EdnsPayloadSize));
        var entry = _table.TryGetValue(query.Name, out var found)
            ? found
            : new LoopbackDnsEntry(LoopbackDnsBehaviour.NxDomain, []);
        if (entry.Hold is { } hold)
        {
            await hold.WaitAsync(cancellationToken);
        }

        if (entry.Delay > TimeSpan.Zero)
        {
            await Task.Delay(entry.Delay, cancellationToken);
        }

        // An EDNS query gets an OPT back; over UDP the answer must fit what both sides can take.
        var udpSize = Math.Max(ClassicUdpLimit, MaxUdpPayloadSize);
        int? ednsOut = query.EdnsPayloadSize is null ? null : udpSize;
        int? sizeLimit = transport == DnsTransport.Tcp
            ? null
            : entry.TruncateOverUdp
                ? 0
                : query.EdnsPayloadSize is { } offered ? Math.Max(ClassicUdpLimit, Math.Min(offered, udpSize)) : ClassicUdpLimit;
        byte[] Reply(int rcode, IReadOnlyList<DnsWireRecord> answers, IReadOnlyList<DnsWireRecord> authority) =>
            DnsWireResponse.Build(query, rcode, answers, authority, ednsOut, sizeLimit);

        var soa = DnsWireRecord.Soa(Zone(query.Name), entry.SoaMinimum);
        var wantsTxt = query.Type is DnsWireQuery.TypeTxt or TypeAny;
        switch (entry.Behaviour)
        {
            case LoopbackDnsBehaviour.NoAnswer:
                return null;
            case LoopbackDnsBehaviour.ServFail:
                return Reply(DnsWireResponse.RcodeServFail, [], []);
            case LoopbackDnsBehaviour.Refused:
                return Reply(DnsWireResponse.RcodeRefused, [], []);
            case LoopbackDnsBehaviour.NxDomain:
                return Reply(DnsWireResponse.RcodeNxDomain, [], [soa]);
            case LoopbackDnsBehaviour.Cname:
                var target = entry.CnameTarget!;
                var targetRecords = wantsTxt && _table.TryGetValue(target, out var targetEntry) && targetEntry.Behaviour == LoopbackDnsBehaviour.Answer
                    ? TxtAnswers(target, targetEntry)
                    : [];
                return Reply(DnsWireResponse.RcodeNoError, [DnsWireRecord.Cname(query.Name, entry.CnameTtl, target), .. targetRecords], []);
            case LoopbackDnsBehaviour.Answer when wantsTxt:
                return Reply(DnsWireResponse.RcodeNoError, TxtAnswers(query.Name, entry), []);
            default:
                return Reply(DnsWireResponse.RcodeNoError, [], [soa]);
        }
    }

    // The forged response for a query, or null when its name has no forgery set (nothing is counted here: the
    // query is counted once, when it is answered for real).
    private byte[]? Forge(byte[] packet)
    {
        if (DnsWireQuery.TryParse(packet) is not { } query
            || !_table.TryGetValue(query.Name, out var entry)
            || entry.Forgery == LoopbackDnsForgery.None)
        {
            return null;
        }

        var forgedEntry = entry with { Records = entry.ForgedRecords ?? [] };
        if (entry.Forgery == LoopbackDnsForgery.WrongId)
        {
            return DnsWireResponse.Build(query with { Id = (ushort)(query.Id ^ 0x5A5A) }, DnsWireResponse.RcodeNoError,
                TxtAnswers(query.Name, forgedEntry), [], null, null);
        }

        var otherName = "forged." + query.Name;
        var question = DnsWireResponse.EncodeName(otherName).Concat(query.QuestionBytes[^4..]).ToArray();
        return DnsWireResponse.Build(query with { QuestionBytes = question }, DnsWireResponse.RcodeNoError,
            TxtAnswers(otherName, forgedEntry), [], null, null);
    }

    private static List<DnsWireRecord> TxtAnswers(string name, LoopbackDnsEntry entry) =>
        [.. entry.Records.Select(r => DnsWireRecord.Txt(name, r.Ttl, r.Strings))];

    // The SOA's owner only has to look like a zone apex to a client; the last two labels will do.
    private static string Zone(string name)
    {
        var labels = name.Split('.');
        return labels.Length <= 2 ? name : string.Join('.', labels[^2..]);
    }
}
