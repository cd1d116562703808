using System.Text;
using Xunit.Abstractions;

namespace Milter.IntegrationTests.HeaderShapes;

/// <summary>
/// Issue 9: header fields with 0 to 3 spaces, tabs, or a fold right after the colon, in every signed field, signed
/// with c=simple/simple through a real Postfix at milter_protocol 2 and 6 verify in dkimpy, and the same shapes
/// signed by dkimpy verify in the daemon; the ambiguous shapes at version 2 are the documented exceptions. The real
/// OpenDKIM gets the same messages: its outcomes are recorded (printed as a table) and we must do at least as well.
/// </summary>
public sealed class HeaderShapeTests(HeaderShapeFixture fixture, ITestOutputHelper output) : IClassFixture<HeaderShapeFixture>
{
    public static readonly IReadOnlyList<int> Protocols = [2, 6];

    public static TheoryData<string, int, string> Cases()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var direction in new[] { nameof(ShapeDirection.Sign), nameof(ShapeDirection.Verify) })
        {
            foreach (int protocol in Protocols)
            {
                foreach (var shape in HeaderShape.All)
                {
                    data.Add(direction, protocol, shape.Name);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_shape_verifies_unless_it_is_the_documented_ambiguity_at_version_2(string direction, int milterProtocol, string shapeName)
    {
        var shape = HeaderShape.All.Single(candidate => candidate.Name == shapeName);
        var run = await fixture.RunAsync(Enum.Parse<ShapeDirection>(direction), ShapeMilter.Ours, milterProtocol);

        var outcome = run.Outcomes[shapeName];
        // The verdict is about the shapes only if the signature covers every field that has one.
        Assert.All(HeaderShape.ShapedFields, field => Assert.Contains(field, outcome.SignedFields, StringComparer.OrdinalIgnoreCase));
        if (shape.MustVerify(milterProtocol))
        {
            Assert.True(outcome.Pass, $"{direction} at milter_protocol {milterProtocol}, {shapeName}: {outcome.Detail}\n{run.MilterOutput}");
        }
        else
        {
            // Documented: the wire form is that of a more common shape, which is what gets rebuilt. If this starts
            // passing, the documentation (and HeaderValues.FromWire) is out of date.
            Assert.False(outcome.Pass, $"{direction} at milter_protocol 2, {shapeName} verified: docs/HEADER-SHAPES.md says it cannot");
        }
    }

    [Theory]
    [InlineData(nameof(ShapeDirection.Sign))]
    [InlineData(nameof(ShapeDirection.Verify))]
    public async Task We_verify_every_shape_OpenDKIM_verifies_and_the_table_is_recorded(string direction)
    {
        var way = Enum.Parse<ShapeDirection>(direction);
        var table = new StringBuilder($"| {direction}: shape after the colon | dkim-milter, 2 | OpenDKIM, 2 | dkim-milter, 6 | OpenDKIM, 6 |\n|---|---|---|---|---|\n");
        var worse = new List<string>();
        var runs = new Dictionary<(ShapeMilter, int), ShapeRun>();
        foreach (int protocol in Protocols)
        {
            runs[(ShapeMilter.Ours, protocol)] = await fixture.RunAsync(way, ShapeMilter.Ours, protocol);
            runs[(ShapeMilter.OpenDkim, protocol)] = await fixture.RunAsync(way, ShapeMilter.OpenDkim, protocol);
        }

        foreach (var shape in HeaderShape.All)
        {
            var cells = Protocols.SelectMany(protocol => new[] { runs[(ShapeMilter.Ours, protocol)], runs[(ShapeMilter.OpenDkim, protocol)] })
                .Select(run => run.Outcomes[shape.Name].ToString());
            table.Append($"| {shape.Name} | {string.Join(" | ", cells)} |\n");
            foreach (int protocol in Protocols)
            {
                var ours = runs[(ShapeMilter.Ours, protocol)].Outcomes[shape.Name];
                var theirs = runs[(ShapeMilter.OpenDkim, protocol)].Outcomes[shape.Name];
                if (theirs.Pass && !ours.Pass)
                {
                    worse.Add($"{shape.Name} at {protocol}: OpenDKIM passes, we do not: {ours.Detail}");
                }
            }
        }

        output.WriteLine(table.ToString());
        Assert.Empty(worse);
    }

    [Theory]
    [InlineData(nameof(ShapeDirection.Sign), 2)]
    [InlineData(nameof(ShapeDirection.Sign), 6)]
    [InlineData(nameof(ShapeDirection.Verify), 2)]
    [InlineData(nameof(ShapeDirection.Verify), 6)]
    public async Task Postfix_logs_no_milter_problem(string direction, int milterProtocol)
    {
        var run = await fixture.RunAsync(Enum.Parse<ShapeDirection>(direction), ShapeMilter.Ours, milterProtocol);

        Assert.Empty(run.MailLogProblems);
    }
}
