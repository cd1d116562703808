using Milter.Protocol.Commands;
using Milter.Protocol.Wire;

namespace Milter.Protocol.Handling;

/// <summary>
/// The macros of one milter connection, kept per stage with libmilter's rules: a MACRO packet replaces its
/// stage's set; CONNECT, HELO, MAIL and RCPT clear every later stage; QUIT and QUIT_NC clear everything; ABORT
/// clears nothing. Look-ups search the newest stage first and accept both <c>x</c> and <c>{x}</c>.
/// </summary>
public sealed class MacroStore
{
    private const int StageCount = (int)MacroStage.EndOfHeaders + 1;
    private readonly IReadOnlyList<KeyValuePair<string, string>>?[] _stages = new IReadOnlyList<KeyValuePair<string, string>>?[StageCount];

    /// <summary>The value of macro <paramref name="name"/> (with or without braces), or null if not sent.</summary>
    public string? Get(string name)
    {
        var wanted = StripBraces(name);
        for (int stage = StageCount - 1; stage >= 0; stage--)
        {
            if (_stages[stage] is not { } macros)
            {
                continue;
            }

            foreach (var (macroName, value) in macros)
            {
                if (StripBraces(macroName).SequenceEqual(wanted))
                {
                    return value;
                }
            }
        }

        return null;
    }

    /// <summary>The macros received for one stage, as sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> GetStage(MacroStage stage) => _stages[(int)stage] ?? [];

    /// <summary>The stage whose macros a MACRO packet for <paramref name="command"/> carries, or null for
    /// commands libmilter keeps no macros for (HEADER and BODY: Postfix sends them, libmilter drops them).</summary>
    public static MacroStage? StageOf(byte command) => command switch
    {
        CommandCode.Connect => MacroStage.Connect,
        CommandCode.Helo => MacroStage.Helo,
        CommandCode.Mail => MacroStage.MailFrom,
        CommandCode.Recipient => MacroStage.Recipient,
        CommandCode.Data => MacroStage.Data,
        CommandCode.EndOfMessage => MacroStage.EndOfMessage,
        CommandCode.EndOfHeaders => MacroStage.EndOfHeaders,
        _ => null,
    };

    internal void Set(MacroStage stage, IReadOnlyList<KeyValuePair<string, string>> macros) => _stages[(int)stage] = macros;

    /// <summary>Clears the stages numbered above <paramref name="stage"/>: what a CONNECT, HELO, MAIL or RCPT does.</summary>
    internal void ClearAfter(MacroStage stage) => Array.Clear(_stages, (int)stage + 1, StageCount - (int)stage - 1);

    internal void Clear() => Array.Clear(_stages);

    internal void Apply(MacroCommand command)
    {
        if (StageOf(command.ForCommand) is { } stage)
        {
            Set(stage, command.Macros);
        }
    }

    private static ReadOnlySpan<char> StripBraces(string name) =>
        name.Length >= 2 && name[0] == '{' && name[^1] == '}' ? name.AsSpan(1, name.Length - 2) : name.AsSpan();
}
