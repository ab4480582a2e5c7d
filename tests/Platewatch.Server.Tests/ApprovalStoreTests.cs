namespace Platewatch.Server.Tests;

public sealed class ApprovalStoreTests
{
    [Fact]
    public async Task An_approvals_table_from_before_revocation_is_upgraded_in_place_and_keeps_its_rows()
    {
        var ct = TestContext.Current.CancellationToken;
        string dir = Path.Combine(Path.GetTempPath(), "platewatch-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "accounts"));
        try
        {
            var now = DateTimeOffset.UtcNow;
            await using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dir, "accounts", "accounts.db")};Pooling=False"))
            {
                await c.OpenAsync(ct);
                await using var cmd = c.CreateCommand();
                cmd.CommandText = """
                    CREATE TABLE analysis_approvals (
                        id TEXT PRIMARY KEY, agency TEXT NOT NULL, approved_by TEXT NOT NULL, case_number TEXT NOT NULL,
                        tier TEXT NOT NULL, kinds TEXT NOT NULL, expires_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL);
                    INSERT INTO analysis_approvals VALUES ('apr_old', 'agency-a', 'sam', '24-1', 'Standard', 'places', $exp, $now);
                    """;
                cmd.Parameters.AddWithValue("$exp", now.AddDays(1).ToUnixTimeMilliseconds());
                cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                await cmd.ExecuteNonQueryAsync(ct);
            }
            var store = new Platewatch.Server.Analytics.ApprovalStore(dir);

            var before = await store.FindAsync("apr_old", ct);
            var revoked = await store.RevokeAsync("agency-a", "apr_old", "sue", now, ct);

            Assert.NotNull(before);
            Assert.Null(before.RevokedAt);
            Assert.Equal(Platewatch.Server.Analytics.RevokeOutcome.Revoked, revoked.Outcome);
            Assert.Equal("sue", (await store.FindAsync("apr_old", ct))!.RevokedBy);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
