using System.Collections.Immutable;
using Platewatch.Audit;

namespace Platewatch.Core.Tests;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pw-audit-" + Guid.NewGuid().ToString("N"));

    private string File => Path.Combine(_dir, "audit.jsonl");

    private async Task WriteEntries(int n, int checkpointEvery = 1000)
    {
        using var log = new FileAuditLog(_dir, checkpointEvery: checkpointEvery);
        for (int i = 0; i < n; i++)
        {
            await log.AppendAsync(new AuditRecord
            {
                Actor = $"user{i}",
                AgencyId = "a",
                Role = "investigator",
                Action = "search.reads",
                Purpose = "stolen-vehicle",
                CaseNumber = $"C{i}",
                Parameters = ImmutableSortedDictionary<string, string>.Empty.Add("plate", $"ABC{i}"),
                ResultCount = i,
            }, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task An_untouched_log_verifies()
    {
        await WriteEntries(5);
        var v = FileAuditLog.Verify(File);
        Assert.True(v.Ok);
        Assert.Equal(5, v.Entries);
    }

    [Fact]
    public async Task Cutting_off_the_newest_entries_is_caught_by_the_checkpoint_and_blocks_appends()
    {
        await WriteEntries(10, checkpointEvery: 4);
        Assert.True(FileAuditLog.Verify(File).Ok);
        var lines = System.IO.File.ReadAllLines(File);
        // The chain of the first 9 entries is intact on its own; only the close-time checkpoint of entry 10 shows the loss.
        System.IO.File.WriteAllLines(File, lines[..9]);

        var v = FileAuditLog.Verify(File);

        Assert.False(v.Ok);
        Assert.Contains("newest entries were deleted", v.Problem, StringComparison.Ordinal);
        using var log = new FileAuditLog(_dir);
        await Assert.ThrowsAsync<InvalidOperationException>(() => log.AppendAsync(new AuditRecord { Actor = "x", AgencyId = "a", Role = "admin", Action = "t" }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_rewritten_chain_does_not_match_its_checkpoints()
    {
        await WriteEntries(6, checkpointEvery: 3);
        // Rewrite the whole log consistently (a forger with the hashing code), keeping the checkpoints file.
        string checkpoints = System.IO.File.ReadAllText(Path.Combine(_dir, FileAuditLog.CheckpointFileName));
        System.IO.File.Delete(File);
        System.IO.File.Delete(Path.Combine(_dir, FileAuditLog.CheckpointFileName));
        using (var forged = new FileAuditLog(_dir))
        {
            for (int i = 0; i < 6; i++)
                await forged.AppendAsync(new AuditRecord { Actor = "forger", AgencyId = "a", Role = "admin", Action = "t" }, TestContext.Current.CancellationToken);
        }
        System.IO.File.WriteAllText(Path.Combine(_dir, FileAuditLog.CheckpointFileName), checkpoints);

        var v = FileAuditLog.Verify(File);

        Assert.False(v.Ok);
        Assert.Contains("rewritten", v.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_modified_entry_is_named()
    {
        await WriteEntries(5);
        var lines = System.IO.File.ReadAllLines(File);
        lines[2] = lines[2].Replace("ABC2", "XYZ9", StringComparison.Ordinal);
        System.IO.File.WriteAllLines(File, lines);

        var v = FileAuditLog.Verify(File);

        Assert.False(v.Ok);
        Assert.Equal(3, v.FirstBadLine);
        Assert.Contains("modified", v.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_entry_is_detected_where_the_chain_breaks()
    {
        await WriteEntries(5);
        var lines = System.IO.File.ReadAllLines(File).ToList();
        lines.RemoveAt(1);
        System.IO.File.WriteAllLines(File, lines);

        var v = FileAuditLog.Verify(File);

        Assert.False(v.Ok);
        Assert.Equal(2, v.FirstBadLine);
    }

    [Fact]
    public async Task An_inserted_entry_is_detected()
    {
        await WriteEntries(5);
        var lines = System.IO.File.ReadAllLines(File).ToList();
        lines.Insert(3, lines[1]);
        System.IO.File.WriteAllLines(File, lines);

        var v = FileAuditLog.Verify(File);

        Assert.False(v.Ok);
        Assert.Equal(4, v.FirstBadLine);
    }

    [Fact]
    public async Task Reordered_entries_are_detected()
    {
        await WriteEntries(5);
        var lines = System.IO.File.ReadAllLines(File);
        (lines[1], lines[2]) = (lines[2], lines[1]);
        System.IO.File.WriteAllLines(File, lines);

        var v = FileAuditLog.Verify(File);

        Assert.False(v.Ok);
        Assert.Equal(2, v.FirstBadLine);
    }

    [Fact]
    public async Task A_log_whose_last_entry_was_altered_refuses_further_appends()
    {
        await WriteEntries(3);
        var lines = System.IO.File.ReadAllLines(File);
        lines[2] = lines[2].Replace("user2", "mallory", StringComparison.Ordinal);
        System.IO.File.WriteAllLines(File, lines);

        using var log = new FileAuditLog(_dir);
        await Assert.ThrowsAsync<InvalidOperationException>(() => log.AppendAsync(
            new AuditRecord { Actor = "x", AgencyId = "a", Role = "r", Action = "search.reads" }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Appends_continue_the_chain_after_reopening()
    {
        await WriteEntries(2);
        await WriteEntries(2);
        var v = FileAuditLog.Verify(File);
        Assert.True(v.Ok);
        Assert.Equal(4, v.Entries);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
