namespace Milter.IntegrationTests.Inbound;

/// <summary>
/// Both sides with three On-* actions set; the tests send their own messages, one SMTP session each, since a
/// refused message is the end of what a session can tell. Without AlwaysAddARHeader, which would switch
/// On-NoSignature off in OpenDKIM.
/// </summary>
public sealed class OnActionFixture : TwoSidedFixture
{
    public override IReadOnlyList<string> Cases => [];

    protected override IReadOnlyList<string> ConfigurationLines =>
        ["On-BadSignature reject", "On-KeyNotFound tempfail", "On-NoSignature reject"];
}
