using System.Buffers;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Commands;

/// <summary>Decodes command payloads (milter side) and encodes commands (MTA side).</summary>
public static class CommandCodec
{
    private static readonly DataCommand DataInstance = new();
    private static readonly EndOfHeadersCommand EndOfHeadersInstance = new();
    private static readonly AbortCommand AbortInstance = new();
    private static readonly QuitCommand QuitInstance = new();
    private static readonly QuitNewConnectionCommand QuitNewConnectionInstance = new();

    /// <summary>Decodes one command. Body payloads are not copied: the result points into <paramref name="payload"/>.</summary>
    /// <exception cref="MilterProtocolException">Unknown command byte or malformed payload.</exception>
    public static MilterCommand Decode(byte code, ReadOnlySequence<byte> payload)
    {
        var reader = new PayloadReader(code, payload);
        switch (code)
        {
            case CommandCode.OptionNegotiation:
                // libmilter checks only the minimum length: later fields may be appended by newer MTAs.
                return new OptionNegotiationCommand(reader.ReadUInt32("version"), (MilterActions)reader.ReadUInt32("actions"),
                    (ProtocolOptions)reader.ReadUInt32("protocol flags"));
            case CommandCode.Macro:
                return DecodeMacro(ref reader);
            case CommandCode.Connect:
                return DecodeConnect(ref reader);
            case CommandCode.Helo:
            {
                string name = reader.ReadCString("host name", MilterEncoding.Text);
                reader.ExpectEnd();
                return new HeloCommand(name);
            }
            case CommandCode.Mail:
                return new MailCommand(ReadArgv(ref reader, "sender"));
            case CommandCode.Recipient:
                return new RecipientCommand(ReadArgv(ref reader, "recipient"));
            case CommandCode.Unknown:
            {
                string line = reader.ReadCString("command line", MilterEncoding.Text);
                reader.ExpectEnd();
                return new UnknownCommand(line);
            }
            case CommandCode.Header:
            {
                string name = reader.ReadCString("header name", MilterEncoding.HeaderName);
                var value = reader.ReadCStringBytes("header value").ToArray();
                reader.ExpectEnd();
                return new HeaderCommand(name, value);
            }
            case CommandCode.Body:
                return new BodyCommand(payload);
            case CommandCode.EndOfMessage:
                return new EndOfMessageCommand(payload);
            // These carry no payload; libmilter ignores any, and so do we.
            case CommandCode.Data:
                return DataInstance;
            case CommandCode.EndOfHeaders:
                return EndOfHeadersInstance;
            case CommandCode.Abort:
                return AbortInstance;
            case CommandCode.Quit:
                return QuitInstance;
            case CommandCode.QuitNewConnection:
                return QuitNewConnectionInstance;
            default:
                MilterProtocolException.Throw(ProtocolError.UnknownCommand, $"unknown command {CommandCode.Describe(code)}");
                return null!;
        }
    }

    /// <summary>Writes one command as a packet.</summary>
    public static void Write(IBufferWriter<byte> writer, MilterCommand command)
    {
        var text = MilterEncoding.Text;
        switch (command)
        {
            case OptionNegotiationCommand o:
            {
                var p = MilterFraming.BeginPacket(writer, o.Code, 12);
                p.WriteUInt32(o.Version);
                p.WriteUInt32((uint)o.Actions);
                p.WriteUInt32((uint)o.Protocol);
                p.Complete();
                break;
            }
            case MacroCommand m:
            {
                int length = 1;
                foreach (var (name, value) in m.Macros)
                {
                    length += text.GetByteCount(name) + 1 + text.GetByteCount(value) + 1;
                }

                var p = MilterFraming.BeginPacket(writer, m.Code, length);
                p.WriteByte(m.ForCommand);
                foreach (var (name, value) in m.Macros)
                {
                    p.WriteCString(name, text);
                    p.WriteCString(value, text);
                }

                p.Complete();
                break;
            }
            case ConnectCommand c:
            {
                bool hasAddress = c.Family != ConnectionFamily.Unknown;
                int length = text.GetByteCount(c.Hostname) + 1 + 1 + (hasAddress ? 2 + text.GetByteCount(c.Address) + 1 : 0);
                var p = MilterFraming.BeginPacket(writer, c.Code, length);
                p.WriteCString(c.Hostname, text);
                p.WriteByte((byte)c.Family);
                if (hasAddress)
                {
                    p.WriteUInt16(c.Port);
                    p.WriteCString(c.Address, text);
                }

                p.Complete();
                break;
            }
            case HeloCommand h:
                WriteStrings(writer, h.Code, [h.Hostname]);
                break;
            case MailCommand m:
                WriteStrings(writer, m.Code, m.Arguments);
                break;
            case RecipientCommand r:
                WriteStrings(writer, r.Code, r.Arguments);
                break;
            case UnknownCommand u:
                WriteStrings(writer, u.Code, [u.Line]);
                break;
            case HeaderCommand h:
            {
                var nameEncoding = MilterEncoding.HeaderName;
                var p = MilterFraming.BeginPacket(writer, h.Code, nameEncoding.GetByteCount(h.Name) + 1 + h.Value.Length + 1);
                p.WriteCString(h.Name, nameEncoding);
                p.WriteCString(h.Value.Span);
                p.Complete();
                break;
            }
            case BodyCommand b:
                WriteSequence(writer, b.Code, b.Chunk);
                break;
            case EndOfMessageCommand e:
                WriteSequence(writer, e.Code, e.FinalChunk);
                break;
            default:
                MilterFraming.WritePacket(writer, command.Code, []);
                break;
        }
    }

    private static MacroCommand DecodeMacro(ref PayloadReader reader)
    {
        byte forCommand = reader.ReadByte("macro command code");
        var macros = new List<KeyValuePair<string, string>>();
        while (!reader.End)
        {
            string name = reader.ReadCString("macro name", MilterEncoding.Text);
            string value = reader.ReadCString($"value of macro {name}", MilterEncoding.Text);
            macros.Add(new(name, value));
        }

        return new MacroCommand(forCommand, macros);
    }

    private static ConnectCommand DecodeConnect(ref PayloadReader reader)
    {
        string hostname = reader.ReadCString("host name", MilterEncoding.Text);
        var family = (ConnectionFamily)reader.ReadByte("address family");
        if (family == ConnectionFamily.Unknown)
        {
            reader.ExpectEnd();
            return new ConnectCommand(hostname, family, 0, "");
        }

        if (family is not (ConnectionFamily.Inet or ConnectionFamily.Inet6 or ConnectionFamily.Unix))
        {
            MilterProtocolException.Throw(ProtocolError.MalformedPayload, $"CONNECT has unknown address family 0x{(byte)family:X2}");
        }

        ushort port = reader.ReadUInt16("port");
        string address = reader.ReadCString("address", MilterEncoding.Text);
        reader.ExpectEnd();
        // Sendmail writes IPv6 addresses as "IPv6:2001:db8::1"; Postfix does not. Consumers get the bare address.
        if (family == ConnectionFamily.Inet6 && address.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            address = address[5..];
        }

        return new ConnectCommand(hostname, family, port, address);
    }

    private static List<string> ReadArgv(ref PayloadReader reader, string first)
    {
        // At least the address itself must be there, even if empty (the null sender from local submission).
        var list = new List<string> { reader.ReadCString(first, MilterEncoding.Text) };
        list.AddRange(reader.ReadCStringList("ESMTP argument", MilterEncoding.Text));
        return list;
    }

    private static void WriteStrings(IBufferWriter<byte> writer, byte code, IReadOnlyList<string> strings)
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

    private static void WriteSequence(IBufferWriter<byte> writer, byte code, ReadOnlySequence<byte> data)
    {
        var p = MilterFraming.BeginPacket(writer, code, checked((int)data.Length));
        foreach (var segment in data)
        {
            p.WriteBytes(segment.Span);
        }

        p.Complete();
    }
}
