namespace Milter.IntegrationTests.MilterTest;

public sealed class MilterTestRunnerTests : IDisposable
{
    private readonly string _script = Path.Combine(Path.GetTempPath(), $"miltertest-{Guid.NewGuid():N}.lua");

    public void Dispose() => File.Delete(_script);

    [Fact]
    public async Task Passes_defines_to_the_script_and_returns_its_output()
    {
        await File.WriteAllTextAsync(_script, "mt.echo(\"port is \" .. port)\n");

        var result = await MilterTestRunner.RunAsync(_script, new Dictionary<string, string> { ["port"] = "12345" });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("port is 12345", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("error(\"milter misbehaved\")", "milter misbehaved")]
    [InlineData("mt.echo(\"unclosed\"", "')' expected")]
    public async Task A_failing_script_exits_non_zero_with_the_error_on_stderr(string script, string expectedError)
    {
        await File.WriteAllTextAsync(_script, script + "\n");

        var result = await MilterTestRunner.RunAsync(_script);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expectedError, result.StandardError, StringComparison.Ordinal);
    }
}
