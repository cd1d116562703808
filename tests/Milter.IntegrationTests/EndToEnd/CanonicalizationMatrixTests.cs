namespace Milter.IntegrationTests.EndToEnd;

/// <summary>
/// Done-when 2 and 4: messages with folded headers, tabs, 8-bit text, trailing blank lines, long lines and no body,
/// sent over SMTP through a real Postfix at milter_protocol 2 and 6 to the real daemon under each Canonicalization,
/// are all delivered with one DKIM-Signature that dkimpy verifies, whose c= is the configured one, and for which the
/// daemon logs exactly one "QUEUEID: DKIM-Signature field added" line; Postfix logs no milter warning.
/// </summary>
public sealed class CanonicalizationMatrixTests : IClassFixture<CanonicalizationMatrixFixture>
{
    public static readonly IReadOnlyList<string> Canonicalizations = ["simple/simple", "relaxed/simple", "relaxed/relaxed"];

    public static readonly IReadOnlyList<int> Protocols = [2, 6];

    private readonly CanonicalizationMatrixFixture _fixture;

    public CanonicalizationMatrixTests(CanonicalizationMatrixFixture fixture) => _fixture = fixture;

    public static TheoryData<string, int, string> PortableCases()
    {
        var data = new TheoryData<string, int, string>();
        foreach (string canonicalization in Canonicalizations)
        {
            foreach (int protocol in Protocols)
            {
                foreach (string message in MatrixMessages.Portable)
                {
                    data.Add(canonicalization, protocol, message);
                }
            }
        }

        return data;
    }

    /// <summary>Every configuration except simple header canonicalization at version 2 (see <see cref="MatrixMessages.NoSpaceAfterColon"/>).</summary>
    public static TheoryData<string, int> ConfigurationsThatKeepTheSpaceAfterTheColon()
    {
        var data = new TheoryData<string, int>();
        foreach (string canonicalization in Canonicalizations)
        {
            foreach (int protocol in Protocols)
            {
                if (protocol == 6 || canonicalization.StartsWith("relaxed/", StringComparison.Ordinal))
                {
                    data.Add(canonicalization, protocol);
                }
            }
        }

        return data;
    }

    public static TheoryData<string, int> Configurations()
    {
        var data = new TheoryData<string, int>();
        foreach (string canonicalization in Canonicalizations)
        {
            foreach (int protocol in Protocols)
            {
                data.Add(canonicalization, protocol);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PortableCases))]
    public async Task Message_is_delivered_signed_and_dkimpy_verifies_it(string canonicalization, int milterProtocol, string message)
    {
        var run = await _fixture.RunAsync(canonicalization, milterProtocol);

        AssertSignedAndVerified(run, canonicalization, message);
    }

    [Theory]
    [MemberData(nameof(ConfigurationsThatKeepTheSpaceAfterTheColon))]
    public async Task Headers_without_a_space_after_the_colon_verify_where_the_milter_can_see_it(string canonicalization, int milterProtocol)
    {
        var run = await _fixture.RunAsync(canonicalization, milterProtocol);

        AssertSignedAndVerified(run, canonicalization, MatrixMessages.NoSpaceAfterColon);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Neither_postfix_nor_the_daemon_logs_a_problem(string canonicalization, int milterProtocol)
    {
        var run = await _fixture.RunAsync(canonicalization, milterProtocol);

        Assert.Empty(run.MailLogProblems);
        Assert.Empty(SigningRig.DaemonProblems(run.DaemonOutput));
    }

    private static void AssertSignedAndVerified(MatrixRun run, string canonicalization, string name)
    {
        var delivery = run.Deliveries[name];
        var signature = Assert.Single(delivery.Message.Signatures);
        Assert.Equal(canonicalization, signature["c"]);
        Assert.Equal("rsa-sha256", signature["a"]);
        Assert.Equal(DkimKey.SeedDomain, signature["d"]);
        Assert.Equal(DkimKey.SeedSelector, signature["s"]);
        // The odd shapes are covered by the signature, so dkimpy's verdict is about them.
        Assert.All(MatrixMessages.ShapedHeaders(name), header =>
            Assert.Contains(header, SignedMessage.SignedHeaderNames(signature), StringComparer.OrdinalIgnoreCase));

        var verdict = Assert.Single(delivery.Verdicts);
        Assert.True(verdict.Pass, $"dkimpy: {verdict.Error}\n{delivery.Message.Delivered.Text}");
        Assert.Equal(canonicalization, verdict.Tags["c"]);

        // The daemon names Postfix's queue id for this message, once, with the key it signed with.
        Assert.Equal(delivery.SmtpQueueId, delivery.Message.QueueId);
        Assert.Equal(
            [$"s={DkimKey.SeedSelector} d={DkimKey.SeedDomain}"],
            SigningRig.SignatureLogLines(run.DaemonOutput, delivery.SmtpQueueId));
    }
}
