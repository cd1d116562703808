namespace Milter.IntegrationTests.PostgreSql;

/// <summary>
/// Keys named by database rows are loaded once per key file and shared by every row naming it; a file rewritten in
/// place with a new key (and the row pointed at a new selector) must then be read again, not served from that share.
/// </summary>
[Collection("PostgreSql")]
public sealed class PgsqlKeyFileTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static readonly TimeSpan NotificationBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_key_file_rewritten_in_place_is_read_again_when_its_row_changes()
    {
        await using var rig = await PgsqlRig.CreateAsync(cluster, withTrigger: true);
        await rig.AddDomainAsync("example.org", "first", inlineKey: false);
        var (_, port) = await rig.StartDaemonAsync();
        await rig.AssertSignedAsync(port, "alice@example.org", "example.org", "first", "F1");

        await rig.ReplaceKeyFileInPlaceAsync("example.org", "first", "second");
        await PgsqlRig.WaitUntilSignedWithAsync(port, "alice@example.org", "second", NotificationBound);

        // dkimpy checks the signature against the new key's record: the old key under the new selector would fail.
        await rig.AssertSignedAsync(port, "alice@example.org", "example.org", "second", "F2");
    }
}
