using Milter.Protocol.Server;

namespace Milter.Protocol.Tests.Server;

/// <summary>The whole state machine, cell by cell: each command in each phase.</summary>
public class PhaseRulesTests
{
    // Columns: the phase a command arrives in. Cells: the phase it leads to; "--" = out of phase.
    //   AN AwaitingNegotiation  AC AwaitingConnect  CO Connected  MA Mail  RC Recipients  DA Data
    //   HD Headers  EH EndOfHeaders  BO Body  CL Closed
    private const string Table = """
             AN  AC  CO  MA  RC  DA  HD  EH  BO
        O    AC  --  --  --  --  --  --  --  --
        D    AN  AC  CO  MA  RC  DA  HD  EH  BO
        C    --  CO  --  --  --  --  --  --  --
        H    --  CO  CO  --  --  --  --  --  --
        M    --  MA  MA  --  --  --  --  --  --
        R    --  --  --  RC  RC  --  --  --  --
        T    --  --  --  DA  DA  --  --  --  --
        U    --  AC  CO  MA  RC  DA  --  --  --
        L    --  --  --  HD  HD  HD  HD  --  --
        N    --  --  --  EH  EH  EH  EH  --  --
        B    --  --  --  BO  BO  BO  BO  BO  BO
        E    --  --  --  CO  CO  CO  CO  CO  CO
        A    --  AC  CO  CO  CO  CO  CO  CO  CO
        K    --  AC  AC  AC  AC  AC  AC  AC  AC
        Q    CL  CL  CL  CL  CL  CL  CL  CL  CL
        X    --  --  --  --  --  --  --  --  --
        c    --  --  --  --  --  --  --  --  --
        """;

    private static readonly Dictionary<string, SessionPhase> Phases = new()
    {
        ["AN"] = SessionPhase.AwaitingNegotiation,
        ["AC"] = SessionPhase.AwaitingConnect,
        ["CO"] = SessionPhase.Connected,
        ["MA"] = SessionPhase.Mail,
        ["RC"] = SessionPhase.Recipients,
        ["DA"] = SessionPhase.Data,
        ["HD"] = SessionPhase.Headers,
        ["EH"] = SessionPhase.EndOfHeaders,
        ["BO"] = SessionPhase.Body,
        ["CL"] = SessionPhase.Closed,
    };

    public static TheoryData<char, string, string> Cells
    {
        get
        {
            var data = new TheoryData<char, string, string>();
            var lines = Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var columns = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var line in lines.Skip(1))
            {
                var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (int i = 0; i < columns.Length; i++)
                {
                    data.Add(cells[0][0], columns[i], cells[i + 1]);
                }
            }

            return data;
        }
    }

    [Fact]
    public void The_table_covers_every_command_in_every_phase_before_Closed()
    {
        Assert.Equal(17 * 9, Cells.Count);
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Command_in_phase_leads_to(char command, string phase, string next)
    {
        SessionPhase? expected = next == "--" ? null : Phases[next];
        Assert.Equal(expected, PhaseRules.Next(Phases[phase], (byte)command));
    }

    [Theory]
    [InlineData((int)SessionPhase.AwaitingNegotiation, false)]
    [InlineData((int)SessionPhase.AwaitingConnect, false)]
    [InlineData((int)SessionPhase.Connected, false)]
    [InlineData((int)SessionPhase.Mail, true)]
    [InlineData((int)SessionPhase.Recipients, true)]
    [InlineData((int)SessionPhase.Data, true)]
    [InlineData((int)SessionPhase.Headers, true)]
    [InlineData((int)SessionPhase.EndOfHeaders, true)]
    [InlineData((int)SessionPhase.Body, true)]
    [InlineData((int)SessionPhase.Closed, false)]
    public void InMessage_is_MAIL_to_end_of_message(int phase, bool inMessage)
    {
        Assert.Equal(inMessage, PhaseRules.InMessage((SessionPhase)phase));
    }
}
