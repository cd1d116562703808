using System.Buffers;
using Milter.Protocol.Commands;
using Milter.Protocol.Replies;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Tests.TestSupport;

/// <summary>Encodes commands and replies to bytes and back, for scripted conversations.</summary>
internal static class Packets
{
    public static byte[] Encode(params MilterCommand[] commands)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (var command in commands)
        {
            CommandCodec.Write(writer, command);
        }

        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Encode(params MilterReply[] replies)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (var reply in replies)
        {
            ReplyCodec.Write(writer, reply);
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Every packet in <paramref name="bytes"/> as (command, payload); fails on a partial packet.</summary>
    public static List<(byte Code, byte[] Payload)> Split(ReadOnlySequence<byte> bytes)
    {
        var packets = new List<(byte, byte[])>();
        while (MilterFraming.TryReadPacket(ref bytes, MilterFraming.DefaultMaxPacketLength, out byte code, out var payload))
        {
            packets.Add((code, payload.ToArray()));
        }

        Assert.True(bytes.IsEmpty, $"{bytes.Length} byte(s) left over after the last complete packet");
        return packets;
    }

    public static List<(byte Code, byte[] Payload)> Split(byte[] bytes) => Split(new ReadOnlySequence<byte>(bytes));

    public static List<MilterReply> DecodeReplies(byte[] bytes) =>
        [.. Split(bytes).Select(p => ReplyCodec.Decode(p.Code, new ReadOnlySequence<byte>(p.Payload)))];

    public static MacroCommand Macros(byte forCommand, params (string Name, string Value)[] macros) =>
        new(forCommand, [.. macros.Select(m => new KeyValuePair<string, string>(m.Name, m.Value))]);

    public static IReadOnlyList<KeyValuePair<string, string>> MacroList(params (string Name, string Value)[] macros) =>
        [.. macros.Select(m => new KeyValuePair<string, string>(m.Name, m.Value))];
}
