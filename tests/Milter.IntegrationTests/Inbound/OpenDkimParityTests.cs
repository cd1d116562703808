namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// Parity with the real OpenDKIM 2.11 on inbound mail: the same messages, signed by dkimpy, through two private
/// Postfixes, one calling our daemon and one calling /usr/sbin/opendkim, both configured alike and asking the same
/// DNS server. Each signature gets the same dkim= result (and reason, where OpenDKIM gives one), in the same order.
/// </summary>
public sealed class OpenDkimParityTests(ParityFixture fixture) : IClassFixture<ParityFixture>
{
    private const string SignatureFailed = "fail reason=\"signature verification failed\"";

    /// <summary>
    /// OpenDKIM's results as docs/measurements/opendkim-2.11-verify-and-sign.md §1 and §4 measured them (simple/simple
    /// was not measured there: a valid signature passes whatever its canonicalization).
    /// </summary>
    private static readonly Dictionary<string, string[]> Measured = new(StringComparer.Ordinal)
    {
        [InboundCorpus.ValidRelaxedSimple] = ["pass"],
        [InboundCorpus.ValidSimpleSimple] = ["pass"],
        [InboundCorpus.ValidEd25519] = ["pass"],
        [InboundCorpus.BodyTampered] = [SignatureFailed],
        [InboundCorpus.HeaderTampered] = [SignatureFailed],
        [InboundCorpus.KeyNxDomain] = ["fail reason=\"key not found in DNS\""],
        [InboundCorpus.KeyRevoked] = ["fail reason=\"key revoked\""],
        [InboundCorpus.Key512Bits] = ["policy reason=\"signing key too small\""],
        [InboundCorpus.GoodThenBad] = ["pass", SignatureFailed],
        [InboundCorpus.NoSignature] = ["none"],
        [InboundCorpus.ForgedResults] = ["pass"],
    };

    public static TheoryData<string> Cases
    {
        get
        {
            var cases = new TheoryData<string>();
            foreach (string name in ParityFixture.ParityCases)
            {
                cases.Add(name);
            }

            return cases;
        }
    }

    /// <summary>The rig itself: OpenDKIM, fed through Postfix and libunbound, says what was measured with a milter client.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void OpenDKIM_reports_what_was_measured(string name)
    {
        var field = Assert.Single(fixture.OpenDkim.OwnResults(name));

        Assert.Equal(Measured[name], field.Dkim.Select(entry => entry.ToString()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Same_dkim_results_as_OpenDKIM(string name)
    {
        var theirs = Assert.Single(fixture.OpenDkim.OwnResults(name));
        var ours = Assert.Single(fixture.Ours.OwnResults(name));

        string both = $"OpenDKIM: {theirs.Text}\ndkim-milter: {ours.Text}";
        Assert.True(theirs.Dkim.Count == ours.Dkim.Count, $"{theirs.Dkim.Count} result(s) against our {ours.Dkim.Count}\n{both}");
        foreach (var (openDkim, our) in theirs.Dkim.Zip(ours.Dkim))
        {
            Assert.True(openDkim.Signature == our.Signature, $"results in another order\n{both}");
            Assert.True(openDkim.Result == our.Result, $"{openDkim.Signature}: OpenDKIM says {openDkim}, we say {our}\n{both}");
            Assert.True(openDkim.Reason is null || openDkim.Reason == our.Reason, $"{openDkim.Signature}: OpenDKIM says {openDkim}, we say {our}\n{both}");
        }
    }

    /// <summary>Beyond the results, the whole field (comments, properties, layout) is OpenDKIM's, byte for byte.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Same_field_as_OpenDKIM(string name)
    {
        var theirs = Assert.Single(fixture.OpenDkim.OwnResults(name));
        var ours = Assert.Single(fixture.Ours.OwnResults(name));

        Assert.Equal(theirs.Text, ours.Text);
    }

    /// <summary>OpenDKIM removes an incoming field that claims its authserv-id and keeps the others; so do we.</summary>
    [Fact]
    public void Same_incoming_results_fields_kept_as_OpenDKIM()
    {
        var theirs = ResultsField.In(fixture.OpenDkim.Delivered(InboundCorpus.ForgedResults))
            .Where(field => field.AuthservId != InboundCorpus.AuthservId).Select(field => field.Text);
        var ours = ResultsField.In(fixture.Ours.Delivered(InboundCorpus.ForgedResults))
            .Where(field => field.AuthservId != InboundCorpus.AuthservId).Select(field => field.Text);

        Assert.Equal([InboundCorpus.OtherHostResults], theirs);
        Assert.Equal(theirs, ours);
    }
}
