using System.Buffers;
using System.Text;
using Milter.Protocol;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;
using Xunit.Abstractions;

namespace Milter.IntegrationTests.Faults;

/// <summary>
/// Bytes no MTA should send: a zero length, a huge length (0x7FFFFFFF, or an HTTP request whose "post" reads as
/// 1886352244), unknown command bytes, malformed payloads, and commands out of phase. Each closes that one
/// session with a protocol-error warning naming the peer and the fault; the daemon stays up and signs the next
/// message. The peer is after negotiation (or before it, as named) when it misbehaves.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class MalformedInputTests(SharedDaemonFixture fixture, ITestOutputHelper output) : IClassFixture<SharedDaemonFixture>
{
    private FaultDaemon Daemon => fixture.Daemon;

    /// <summary>Where the peer stands before the bad bytes, the bytes, and the warning expected.</summary>
    public sealed record Fault(string Name, string Before, byte[] Bytes, string Warning)
    {
        public override string ToString() => Name;
    }

    public static IReadOnlyList<Fault> Cases { get; } =
    [
        new("zero-length packet", "OPTNEG", [0, 0, 0, 0], "protocol error (ZeroLength): packet length is 0"),
        new("zero-length packet first", "", [0, 0, 0, 0], "protocol error (ZeroLength): packet length is 0"),
        new("length 0x7FFFFFFF", "CONNECT", [0x7F, 0xFF, 0xFF, 0xFF, (byte)'B'], "protocol error (PacketTooLarge): packet length 2147483647 exceeds the limit of 1048576"),
        new("HTTP request", "", Encoding.ASCII.GetBytes("post /milter HTTP/1.1\r\nHost: localhost\r\n\r\n"), "protocol error (PacketTooLarge): packet length 1886352244 exceeds the limit of 1048576"),
        new("unknown command byte", "OPTNEG", FaultPeer.RawPacket((byte)'Z', "x\0"u8), "protocol error (UnknownCommand): unknown command 'Z'"),
        new("unknown command byte 0x00", "CONNECT", FaultPeer.RawPacket(0, []), "protocol error (UnknownCommand): unknown command 0x00"),
        new("OPTNEG payload too short", "", FaultPeer.RawPacket(CommandCode.OptionNegotiation, [0, 0, 0, 6]), "protocol error (TruncatedPayload)"),
        new("OPTNEG version 1", "", FaultPeer.Packet(new OptionNegotiationCommand(1, (MilterActions)0x1FF, (ProtocolOptions)0x7F)), "protocol error (UnsupportedVersion)"),
        new("CONNECT family 'X'", "OPTNEG", FaultPeer.RawPacket(CommandCode.Connect, "host\0X"u8), "protocol error (MalformedPayload)"),
        new("header name without NUL", "RCPT", FaultPeer.RawPacket(CommandCode.Header, "From"u8), "protocol error (TruncatedPayload)"),
        new("double OPTNEG", "OPTNEG", FaultPeer.Packet(new OptionNegotiationCommand(6, (MilterActions)0x1FF, (ProtocolOptions)0x1FFFFF)), "protocol error (OutOfPhase): OPTNEG is not allowed before CONNECT"),
        new("MAIL before OPTNEG", "", FaultPeer.Packet(new MailCommand(["<alice@example.com>"])), "protocol error (OutOfPhase): MAIL is not allowed before option negotiation"),
        new("second CONNECT", "CONNECT", FaultPeer.Packet(new ConnectCommand("localhost", ConnectionFamily.Inet, 40000, "127.0.0.1")), "protocol error (OutOfPhase): CONNECT is not allowed outside a message"),
        new("RCPT before MAIL", "CONNECT", FaultPeer.Packet(new RecipientCommand(["<bob@example.net>"])), "protocol error (OutOfPhase): RCPT is not allowed outside a message"),
        new("BODY before MAIL", "CONNECT", FaultPeer.Packet(new BodyCommand(new ReadOnlySequence<byte>("x\r\n"u8.ToArray()))), "protocol error (OutOfPhase): BODY is not allowed outside a message"),
        new("EOH before MAIL", "CONNECT", FaultPeer.Packet(new EndOfHeadersCommand()), "protocol error (OutOfPhase): EOH is not allowed outside a message"),
        new("BODYEOB before MAIL", "CONNECT", FaultPeer.Packet(new EndOfMessageCommand(ReadOnlySequence<byte>.Empty)), "protocol error (OutOfPhase): BODYEOB is not allowed outside a message"),
        new("HEADER after BODY", "BODY", FaultPeer.Packet(new HeaderCommand("X-Late", " too late"u8.ToArray())), "protocol error (OutOfPhase): HEADER is not allowed after a body chunk"),
        new("RCPT after EOH", "EOH", FaultPeer.Packet(new RecipientCommand(["<carol@example.net>"])), "protocol error (OutOfPhase): RCPT is not allowed after end of headers"),
        new("DATA after a header", "HEADER From", FaultPeer.Packet(new DataCommand()), "protocol error (OutOfPhase): DATA is not allowed after a header"),
    ];

    public static TheoryData<string> CaseNames => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Bad_input_closes_that_session_with_a_protocol_error_and_the_next_is_signed(string name)
    {
        var fault = Cases.Single(c => c.Name == name);
        await using var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
        if (fault.Before.Length > 0)
        {
            await SigningConversation.RunThroughAsync(peer.Client, fault.Before);
        }

        await peer.SendRawAsync(fault.Bytes);

        Assert.True(await peer.Client.WaitForCloseAsync(FaultDaemon.LogWait), "the daemon did not close the connection");
        string end = await Daemon.SessionEndAsync(peer);
        output.WriteLine(string.Join('\n', Daemon.LinesAbout(peer)));
        Assert.Contains("ended: protocol error", end, StringComparison.Ordinal);
        string warning = Assert.Single(Daemon.LinesAbout(peer), line => line.Contains(" closed: protocol error", StringComparison.Ordinal));
        Assert.Contains(fault.Warning, warning, StringComparison.Ordinal);
        Assert.StartsWith("WRN", warning.Split(' ')[1], StringComparison.Ordinal);
        Daemon.AssertRunning();
        Assert.DoesNotContain(Daemon.Lines(), line => line.Contains(" ERR ", StringComparison.Ordinal));
        Assert.Equal("mail", await Daemon.SignAsync());
    }

    [Fact]
    public async Task End_of_message_without_headers_is_in_phase_and_answered()
    {
        // Not a protocol error: libmilter, and Postfix with headers negotiated away, go from RCPT to BODYEOB.
        // A message with no From cannot be signed for anyone; the daemon says so and answers.
        await using var peer = await FaultPeer.ConnectAsync(Daemon.EndPoint);
        await SigningConversation.RunThroughAsync(peer.Client, "RCPT");

        var result = await peer.Client.EndOfMessageAsync();
        output.WriteLine($"reply: {result.Final}, {result.Modifications.Count} modification(s)");

        Assert.True(result.Final.IsFinal);
        Assert.DoesNotContain(result.Modifications.OfType<InsertHeaderReply>(), insert => insert.Name == "DKIM-Signature");
        Assert.DoesNotContain(Daemon.LinesAbout(peer), line => line.Contains("protocol error", StringComparison.Ordinal));
        await peer.Client.QuitAsync();
        Assert.Contains("ended: QUIT", await Daemon.SessionEndAsync(peer), StringComparison.Ordinal);
        output.WriteLine(string.Join('\n', Daemon.Lines().Where(line => line.Contains(peer.LogName, StringComparison.Ordinal) || line.Contains(SigningConversation.QueueId, StringComparison.Ordinal))));
    }
}
