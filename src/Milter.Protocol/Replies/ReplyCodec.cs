using System.Buffers;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Replies;

/// <summary>Encodes replies (milter side) and decodes them (MTA side).</summary>
public static class ReplyCodec
{
    /// <summary>Writes one reply as a packet.</summary>
    public static void Write(IBufferWriter<byte> writer, MilterReply reply)
    {
        var text = MilterEncoding.Text;
        var names = MilterEncoding.HeaderName;
        switch (reply)
        {
            case SimpleReply simple:
                MilterFraming.WritePacket(writer, simple.Code, []);
                break;
            case ReplyWithCodeReply y:
                WriteStrings(writer, y.Code, y.Text);
                break;
            case QuarantineReply q:
                WriteStrings(writer, q.Code, q.Reason);
                break;
            case AddRecipientReply a:
                WriteStrings(writer, a.Code, a.Recipient);
                break;
            case DeleteRecipientReply d:
                WriteStrings(writer, d.Code, d.Recipient);
                break;
            case AddRecipientWithArgumentsReply a:
                WriteStrings(writer, a.Code, a.Recipient, a.Arguments);
                break;
            case ChangeFromReply { Arguments: { } arguments } c:
                WriteStrings(writer, c.Code, c.Sender, arguments);
                break;
            case ChangeFromReply c:
                WriteStrings(writer, c.Code, c.Sender);
                break;
            case AddHeaderReply h:
            {
                var p = MilterFraming.BeginPacket(writer, h.Code, names.GetByteCount(h.Name) + 1 + h.Value.Length + 1);
                p.WriteCString(h.Name, names);
                p.WriteCString(h.Value.Span);
                p.Complete();
                break;
            }
            case InsertHeaderReply h:
                WriteIndexedHeader(writer, h.Code, h.Index, h.Name, h.Value.Span);
                break;
            case ChangeHeaderReply h:
                WriteIndexedHeader(writer, h.Code, h.Index, h.Name, h.Value.Span);
                break;
            case ReplaceBodyReply b:
                MilterFraming.WritePacket(writer, b.Code, b.Chunk.Span);
                break;
            case NegotiationReply n:
            {
                int length = 12;
                foreach (var (_, macros) in n.MacroRequests)
                {
                    length += 4 + text.GetByteCount(macros) + 1;
                }

                var p = MilterFraming.BeginPacket(writer, n.Code, length);
                p.WriteUInt32(n.Version);
                p.WriteUInt32((uint)n.Actions);
                p.WriteUInt32((uint)n.Protocol);
                foreach (var (stage, macros) in n.MacroRequests.OrderBy(pair => pair.Key))
                {
                    p.WriteUInt32((uint)stage);
                    p.WriteCString(macros, text);
                }

                p.Complete();
                break;
            }
            default:
                throw new ArgumentException($"unknown reply type {reply.GetType().Name}", nameof(reply));
        }
    }

    /// <summary>Decodes one reply packet.</summary>
    /// <exception cref="MilterProtocolException">Unknown reply code or malformed payload.</exception>
    public static MilterReply Decode(byte code, ReadOnlySequence<byte> payload)
    {
        if (SimpleReply.FromCode(code) is { } simple)
        {
            return simple;
        }

        var text = MilterEncoding.Text;
        var reader = new PayloadReader(code, payload);
        MilterReply reply;
        switch (code)
        {
            case ReplyCode.ReplyWithCode:
                reply = new ReplyWithCodeReply(reader.ReadCString("reply text", text));
                break;
            case ReplyCode.Quarantine:
                reply = new QuarantineReply(reader.ReadCString("reason", text));
                break;
            case ReplyCode.AddRecipient:
                reply = new AddRecipientReply(reader.ReadCString("recipient", text));
                break;
            case ReplyCode.DeleteRecipient:
                reply = new DeleteRecipientReply(reader.ReadCString("recipient", text));
                break;
            case ReplyCode.AddRecipientWithArguments:
                reply = new AddRecipientWithArgumentsReply(reader.ReadCString("recipient", text), reader.ReadCString("arguments", text));
                break;
            case ReplyCode.ChangeFrom:
                reply = new ChangeFromReply(reader.ReadCString("sender", text), reader.End ? null : reader.ReadCString("arguments", text));
                break;
            case ReplyCode.AddHeader:
                reply = new AddHeaderReply(reader.ReadCString("header name", MilterEncoding.HeaderName), reader.ReadCStringBytes("header value").ToArray());
                break;
            case ReplyCode.InsertHeader:
                reply = new InsertHeaderReply(reader.ReadUInt32("index"), reader.ReadCString("header name", MilterEncoding.HeaderName),
                    reader.ReadCStringBytes("header value").ToArray());
                break;
            case ReplyCode.ChangeHeader:
                reply = new ChangeHeaderReply(reader.ReadUInt32("index"), reader.ReadCString("header name", MilterEncoding.HeaderName),
                    reader.ReadCStringBytes("header value").ToArray());
                break;
            case ReplyCode.ReplaceBody:
                reply = new ReplaceBodyReply(reader.ReadRemaining().ToArray());
                break;
            case ReplyCode.OptionNegotiation:
            {
                uint version = reader.ReadUInt32("version");
                var actions = (MilterActions)reader.ReadUInt32("actions");
                var protocol = (ProtocolOptions)reader.ReadUInt32("protocol flags");
                var macros = new Dictionary<MacroStage, string>();
                while (!reader.End)
                {
                    var stage = (MacroStage)reader.ReadUInt32("macro stage");
                    macros[stage] = reader.ReadCString("macro list", text);
                }

                reply = new NegotiationReply(version, actions, protocol, macros);
                break;
            }
            default:
                MilterProtocolException.Throw(ProtocolError.UnexpectedReply, $"unknown reply code {CommandCode.Describe(code)}");
                return null!;
        }

        reader.ExpectEnd();
        return reply;
    }

    private static void WriteIndexedHeader(IBufferWriter<byte> writer, byte code, uint index, string name, ReadOnlySpan<byte> value)
    {
        var names = MilterEncoding.HeaderName;
        var p = MilterFraming.BeginPacket(writer, code, 4 + names.GetByteCount(name) + 1 + value.Length + 1);
        p.WriteUInt32(index);
        p.WriteCString(name, names);
        p.WriteCString(value);
        p.Complete();
    }

    private static void WriteStrings(IBufferWriter<byte> writer, byte code, params ReadOnlySpan<string> strings)
    {
        var text = MilterEncoding.Text;
        int length = 0;
        foreach (string s in strings)
        {
            length += text.GetByteCount(s) + 1;
        }

        var p = MilterFraming.BeginPacket(writer, code, length);
        foreach (string s in strings)
        {
            p.WriteCString(s, text);
        }

        p.Complete();
    }
}
