using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Milter.Dkim;
using Milter.Dkim.Keys;

namespace Milter.Benchmarks.Load;

/// <summary>
/// The <c>dns</c> verb: a minimal authoritative DNS server (UDP and TCP, same port) that answers one
/// name, the verify load's key record, with the public half of a private key file; every other name is NXDOMAIN.
/// It runs until SIGTERM or SIGINT and then prints how many queries it answered. compare-with-opendkim.sh runs it on
/// a loopback address at port 53 and gives both daemons <c>Nameservers ADDRESS</c> (OpenDKIM's Nameservers takes no
/// port; its ResolverConfiguration route is read again on every message, see docs/BENCHMARKS.md). Answers fit in
/// 512 bytes for RSA-2048; a larger one is sent truncated over UDP and whole over TCP. (The integration tests'
/// LoopbackDnsServer does much more, but lives in a test project.)
/// </summary>
internal static class DnsCommand
{
    private const string Usage = """
        usage: Milter.Benchmarks dns --key FILE --name SELECTOR._domainkey.DOMAIN [--ttl SECONDS] [--address IP] [--port N] [--port-file FILE]
          serves "v=DKIM1; k=rsa|ed25519; p=..." (the key's public half) at NAME as TXT, UDP and TCP, on --address
          (default 127.0.0.1); --port 0 (the default) takes a free port, written to --port-file once the server listens
        """;

    private const ushort TypeTxt = 16;
    private const ushort TypeAny = 255;
    private const ushort TypeOpt = 41;

    public static int Run(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Count; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        if (args.Count % 2 != 0 || !values.TryGetValue("key", out string? keyFile) || !values.TryGetValue("name", out string? name))
        {
            Console.Error.WriteLine(Usage);
            return 64;
        }

        uint ttl = values.TryGetValue("ttl", out string? ttlText) ? uint.Parse(ttlText, CultureInfo.InvariantCulture) : 3600;
        int port = values.TryGetValue("port", out string? portText) ? int.Parse(portText, CultureInfo.InvariantCulture) : 0;
        var address = values.TryGetValue("address", out string? addressText) ? IPAddress.Parse(addressText) : IPAddress.Loopback;
        string record;
        using (var key = PrivateKeyLoader.LoadFile(keyFile))
        {
            string k = key.Algorithm == DkimAlgorithm.Ed25519Sha256 ? "ed25519" : "rsa";
            record = $"v=DKIM1; k={k}; p={key.PublicKey.ToRecordValue()}";
        }

        using var server = new Server(name.TrimEnd('.'), record, ttl, address, port);
        if (values.TryGetValue("port-file", out string? portFile))
        {
            File.WriteAllText(portFile, server.Port.ToString(CultureInfo.InvariantCulture) + "\n");
        }

        Console.WriteLine($"dns: {address}:{server.Port} (UDP and TCP) answers TXT {name} ({record.Length} bytes, TTL {ttl})");
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        server.RunAsync(stop.Token).GetAwaiter().GetResult();
        Console.WriteLine($"dns: answered {server.Queries} queries ({server.Answers} with the record)");
        return 0;
    }

    private sealed class Server : IDisposable
    {
        private readonly string _name;
        private readonly byte[] _rdata;
        private readonly uint _ttl;
        private readonly Socket _udp;
        private readonly TcpListener _tcp;
        private long _queries;
        private long _answers;

        public Server(string name, string record, uint ttl, IPAddress address, int port)
        {
            _name = name;
            _ttl = ttl;
            // TXT RDATA: the text in character-strings of at most 255 bytes each.
            byte[] text = Encoding.ASCII.GetBytes(record);
            var rdata = new List<byte>();
            for (int start = 0; start < text.Length; start += 255)
            {
                int length = Math.Min(255, text.Length - start);
                rdata.Add((byte)length);
                rdata.AddRange(text.AsSpan(start, length));
            }

            _rdata = [.. rdata];
            for (int attempt = 0; ; attempt++)
            {
                _udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                _udp.Bind(new IPEndPoint(address, port));
                Port = ((IPEndPoint)_udp.LocalEndPoint!).Port;
                _tcp = new TcpListener(address, Port);
                try
                {
                    _tcp.Start();
                    break;
                }
                catch (SocketException) when (port == 0 && attempt < 50)
                {
                    _udp.Dispose();
                }
            }
        }

        public int Port { get; }

        public long Queries => Interlocked.Read(ref _queries);

        public long Answers => Interlocked.Read(ref _answers);

        public async Task RunAsync(CancellationToken stop)
        {
            var udp = ServeUdpAsync(stop);
            var tcp = ServeTcpAsync(stop);
            try
            {
                await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Asked to stop.
            }

            _udp.Dispose();
            _tcp.Stop();
            try
            {
                await Task.WhenAll(udp, tcp).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The sockets were closed under the loops.
            }
        }

        private async Task ServeUdpAsync(CancellationToken stop)
        {
            byte[] buffer = new byte[4096];
            EndPoint any = new IPEndPoint(IPAddress.Any, 0);
            while (!stop.IsCancellationRequested)
            {
                var received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, stop).ConfigureAwait(false);
                byte[]? answer = Answer(buffer.AsSpan(0, received.ReceivedBytes), udp: true);
                if (answer is not null)
                {
                    await _udp.SendToAsync(answer, SocketFlags.None, received.RemoteEndPoint, stop).ConfigureAwait(false);
                }
            }
        }

        private async Task ServeTcpAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await _tcp.AcceptTcpClientAsync(stop).ConfigureAwait(false);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            var stream = client.GetStream();
                            byte[] length = new byte[2];
                            while (true)
                            {
                                await stream.ReadExactlyAsync(length, stop).ConfigureAwait(false);
                                byte[] query = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                                await stream.ReadExactlyAsync(query, stop).ConfigureAwait(false);
                                byte[]? answer = Answer(query, udp: false);
                                if (answer is null)
                                {
                                    return;
                                }

                                byte[] framed = new byte[answer.Length + 2];
                                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                                answer.CopyTo(framed, 2);
                                await stream.WriteAsync(framed, stop).ConfigureAwait(false);
                            }
                        }
                        catch (Exception ex) when (ex is IOException or EndOfStreamException or OperationCanceledException or SocketException)
                        {
                            // The client went away.
                        }
                    }
                }, stop);
            }
        }

        /// <summary>The response to one query, or null to drop it (not a query, or unreadable).</summary>
        private byte[]? Answer(ReadOnlySpan<byte> query, bool udp)
        {
            if (query.Length < 12 || (query[2] & 0x80) != 0 || BinaryPrimitives.ReadUInt16BigEndian(query[4..]) != 1)
            {
                return null;
            }

            // The question: labels (no compression in a question), type, class.
            var name = new StringBuilder();
            int position = 12;
            while (true)
            {
                if (position >= query.Length)
                {
                    return null;
                }

                int length = query[position++];
                if (length == 0)
                {
                    break;
                }

                if (length > 63 || position + length > query.Length)
                {
                    return null;
                }

                name.Append(name.Length > 0 ? "." : "").Append(Encoding.ASCII.GetString(query.Slice(position, length)));
                position += length;
            }

            if (position + 4 > query.Length)
            {
                return null;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(query[position..]);
            int questionEnd = position + 4;
            bool edns = BinaryPrimitives.ReadUInt16BigEndian(query[10..]) > 0;
            int udpLimit = 512;
            if (edns && questionEnd + 11 <= query.Length && query[questionEnd] == 0
                && BinaryPrimitives.ReadUInt16BigEndian(query[(questionEnd + 1)..]) == TypeOpt)
            {
                udpLimit = Math.Max(512, (int)BinaryPrimitives.ReadUInt16BigEndian(query[(questionEnd + 3)..]));
            }

            Interlocked.Increment(ref _queries);
            bool known = string.Equals(name.ToString(), _name, StringComparison.OrdinalIgnoreCase);
            bool answering = known && type is TypeTxt or TypeAny;
            var response = new List<byte>(512);
            response.AddRange(query[..2]);
            ushort flags = (ushort)(0x8000 | (BinaryPrimitives.ReadUInt16BigEndian(query[2..]) & 0x7900) | 0x0400 | 0x0080 | (known ? 0 : 3));
            AddUInt16(response, flags);
            AddUInt16(response, 1);
            AddUInt16(response, (ushort)(answering ? 1 : 0));
            AddUInt16(response, 0);
            AddUInt16(response, (ushort)(edns ? 1 : 0));
            response.AddRange(query[12..questionEnd]);
            if (answering)
            {
                AddUInt16(response, 0xC00C);
                AddUInt16(response, TypeTxt);
                AddUInt16(response, 1);
                AddUInt16(response, (ushort)(_ttl >> 16));
                AddUInt16(response, (ushort)_ttl);
                AddUInt16(response, (ushort)_rdata.Length);
                response.AddRange(_rdata);
            }

            if (edns)
            {
                response.Add(0);
                AddUInt16(response, TypeOpt);
                AddUInt16(response, 4096);
                AddUInt16(response, 0);
                AddUInt16(response, 0);
                AddUInt16(response, 0);
            }

            if (udp && response.Count > udpLimit)
            {
                // Too large for this client over UDP: empty and truncated, so that it asks again over TCP.
                byte[] truncated = [.. response.GetRange(0, questionEnd)];
                truncated[2] |= 0x02;
                truncated[6] = truncated[7] = truncated[10] = truncated[11] = 0;
                return truncated;
            }

            if (answering)
            {
                Interlocked.Increment(ref _answers);
            }

            return [.. response];
        }

        public void Dispose()
        {
            _udp.Dispose();
            _tcp.Dispose();
        }

        private static void AddUInt16(List<byte> bytes, ushort value)
        {
            bytes.Add((byte)(value >> 8));
            bytes.Add((byte)value);
        }
    }
}
