using System.Buffers;
using System.Text;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Tests.TestSupport;

/// <summary>Short names for the commands of scripted conversations.</summary>
internal static class Cmd
{
    public static OptionNegotiationCommand Optneg(MtaProfile profile) => new(profile.Version, profile.Actions, profile.Protocol);

    public static OptionNegotiationCommand Optneg6 => Optneg(MtaProfile.Postfix6);

    /// <summary>The CONNECT Postfix sends for local submission (captured).</summary>
    public static ConnectCommand Connect { get; } = new("localhost", ConnectionFamily.Inet, 34522, "127.0.0.1");

    public static ConnectCommand ConnectFrom(string hostname) => new(hostname, ConnectionFamily.Inet, 25, "192.0.2.1");

    public static HeloCommand Helo { get; } = new("localhost");

    public static MailCommand Mail(string sender = "<a@example.org>") => new([sender]);

    public static RecipientCommand Rcpt(string recipient = "<b@example.org>") => new([recipient]);

    public static DataCommand Data { get; } = new();

    public static UnknownCommand Unknown(string line = "XFOO") => new(line);

    public static HeaderCommand Header(string name, string wireValue) => new(name, Encoding.Latin1.GetBytes(wireValue));

    public static EndOfHeadersCommand Eoh { get; } = new();

    public static BodyCommand Body(string text) => new(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)));

    public static BodyCommand Body(byte[] bytes) => new(new ReadOnlySequence<byte>(bytes));

    public static EndOfMessageCommand Eom { get; } = new(ReadOnlySequence<byte>.Empty);

    public static AbortCommand Abort { get; } = new();

    public static QuitCommand Quit { get; } = new();

    public static QuitNewConnectionCommand QuitNc { get; } = new();

    public static MacroCommand Macros(byte forCommand, params (string Name, string Value)[] macros) => Packets.Macros(forCommand, macros);

    public static MacroCommand ConnectMacros(params (string Name, string Value)[] macros) => Macros(CommandCode.Connect, macros);

    /// <summary>A whole message after CONNECT as Postfix 6 sends it (no reply flags): 7 replies.</summary>
    public static MilterCommand[] Message(string sender = "<a@example.org>") =>
        [Mail(sender), Rcpt(), Data, Header("Subject", "hello"), Eoh, Body("body\r\n"), Eom];
}
