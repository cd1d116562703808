using System.Buffers;
using CsCheck;
using Milter.Fuzzing.Tests.Support;
using Milter.Protocol.Commands;
using Milter.Protocol.Wire;

namespace Milter.Fuzzing.Tests.Properties;

/// <summary>decode(encode(command)) is the command, for every command the MTA side can send.</summary>
public sealed class CommandRoundTripProperties
{
    // C strings: no NUL; no surrogates either, since text goes through UTF-8 and a lone surrogate cannot.
    private static readonly Gen<string> Text = Gen.String[Gen.Char['\u0001', '\u07FF'], 0, 24];
    private static readonly Gen<string> Latin1Name = Gen.String[Gen.Char['\u0001', '\u00FF'], 0, 24];
    private static readonly Gen<byte[]> Value = Gen.Byte[1, 255].Array[0, 64];
    private static readonly Gen<byte[]> Chunk = Gen.Byte.Array[0, 300];

    private static readonly Gen<MilterCommand> Commands = Gen.OneOf<MilterCommand>(
        Gen.Select(Gen.UInt, Gen.UInt, Gen.UInt, (version, actions, protocol) =>
            (MilterCommand)new OptionNegotiationCommand(version, (Milter.Protocol.MilterActions)actions, (Milter.Protocol.ProtocolOptions)protocol)),
        Gen.Select(Gen.Byte, Gen.Select(Text, Text, (name, value) => new KeyValuePair<string, string>(name, value)).Array[0, 5],
            (code, macros) => (MilterCommand)new MacroCommand(code, macros)),
        Gen.Select(Text, Gen.OneOf(ConnectionFamily.Inet, ConnectionFamily.Inet6, ConnectionFamily.Unix), Gen.UShort, Text,
            (host, family, port, address) => (MilterCommand)new ConnectCommand(host, family, port, address.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase) ? "x" + address : address)),
        Text.Select(host => (MilterCommand)new ConnectCommand(host, ConnectionFamily.Unknown, 0, "")),
        Text.Select(host => (MilterCommand)new HeloCommand(host)),
        Text.Array[1, 4].Select(arguments => (MilterCommand)new MailCommand(arguments)),
        Text.Array[1, 4].Select(arguments => (MilterCommand)new RecipientCommand(arguments)),
        Text.Select(line => (MilterCommand)new UnknownCommand(line)),
        Gen.Select(Latin1Name, Value, (name, value) => (MilterCommand)new HeaderCommand(name, value)),
        Chunk.Select(chunk => (MilterCommand)new BodyCommand(new ReadOnlySequence<byte>(chunk))),
        Chunk.Select(chunk => (MilterCommand)new EndOfMessageCommand(new ReadOnlySequence<byte>(chunk))),
        Gen.OneOf<MilterCommand>(new DataCommand(), new EndOfHeadersCommand(), new AbortCommand(), new QuitCommand(), new QuitNewConnectionCommand()));

    [Fact]
    public void Decoding_an_encoded_command_gives_the_command_back() =>
        PassSettings.Check(Commands, command =>
        {
            var writer = new ArrayBufferWriter<byte>();
            CommandCodec.Write(writer, command);
            var buffer = new ReadOnlySequence<byte>(writer.WrittenMemory);
            Assert.True(MilterFraming.TryReadPacket(ref buffer, int.MaxValue, out byte code, out var payload));
            Assert.True(buffer.IsEmpty);
            Assert.Equal(Describe(command), Describe(CommandCodec.Decode(code, payload)));
        }, Describe);

    /// <summary>Every field, lists and bytes included (records compare those by reference).</summary>
    private static string Describe(MilterCommand command) => command switch
    {
        MacroCommand m => $"MACRO {m.ForCommand} [{string.Join(", ", m.Macros.Select(pair => $"{pair.Key}={pair.Value}"))}]",
        MailCommand m => $"MAIL [{string.Join(", ", m.Arguments)}]",
        RecipientCommand r => $"RCPT [{string.Join(", ", r.Arguments)}]",
        HeaderCommand h => $"HEADER {h.Name}: {Convert.ToHexString(h.Value.Span)}",
        BodyCommand b => $"BODY {Convert.ToHexString(b.Chunk.ToArray())}",
        EndOfMessageCommand e => $"EOM {Convert.ToHexString(e.FinalChunk.ToArray())}",
        _ => command.ToString(),
    };
}
