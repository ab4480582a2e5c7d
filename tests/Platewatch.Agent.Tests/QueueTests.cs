using Platewatch.Agent.Delivery;
using Platewatch.Agent.Tracking;

namespace Platewatch.Agent.Tests;

public sealed class QueueTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pw-queue-" + Guid.NewGuid().ToString("N"));

    private static OutgoingRead Read(int i) => new(Guid.CreateVersion7().ToString(), $"{{\"n\":{i},\"pad\":\"{new string('x', 200)}\"}}", i);

    [Fact]
    public void Reads_survive_a_reopen_until_acknowledged()
    {
        using (var store = AgentStore.Open(_dir, 1 << 20))
        {
            store.Commit("a", [Read(1), Read(2)]);
            store.Commit("b", [Read(3)]);
            Assert.Equal(3, store.Depth);
        }
        using (var store = AgentStore.Open(_dir, 1 << 20))
        {
            Assert.Equal(3, store.Depth);
            var batch = store.Peek(10);
            // A batch is one source's reads (one camera key), oldest first.
            Assert.Equal(["a", "a"], batch.Select(b => b.Source));
            store.Remove([.. batch.Select(b => b.Seq)], delivered: 2, rejected: 0);
            Assert.Equal(1, store.Depth);
            Assert.Equal("b", Assert.Single(store.Peek(10)).Source);
            Assert.Equal(2, store.Counter("delivered"));
        }
    }

    [Fact]
    public void The_same_id_is_queued_once()
    {
        using var store = AgentStore.Open(_dir, 1 << 20);
        var r = Read(1);
        store.Commit("a", [r]);
        store.Commit("a", [r]);
        Assert.Equal(1, store.Depth);
    }

    [Fact]
    public void Beyond_its_size_the_queue_drops_the_oldest_and_counts_them()
    {
        using var store = AgentStore.Open(_dir, 2000);
        int dropped = 0;
        var reads = Enumerable.Range(0, 20).Select(Read).ToList();
        foreach (var r in reads) dropped += store.Commit("a", [r]);
        Assert.True(dropped > 0);
        Assert.True(store.Bytes <= 2000);
        Assert.Equal(20 - dropped, store.Depth);
        Assert.Equal(dropped, store.Counter("dropped"));
        // The newest are kept.
        Assert.Equal(reads[^1].Id, store.Peek(100)[^1].Id);
        Assert.Equal(reads[dropped].Id, store.Peek(100)[0].Id);
    }

    [Fact]
    public void Progress_commits_with_the_reads_and_passes_are_remembered()
    {
        var t = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
        using (var store = AgentStore.Open(_dir, 1 << 20))
        {
            store.Commit("lane1", [Read(1)], tx =>
            {
                AgentStore.SaveProgress(tx, "lane1", "/v.mp4", new VideoProgress(3.2, false, t.ToUnixTimeMilliseconds()));
                AgentStore.SavePasses(tx, "lane1", [new EmittedPass("ABC1234", t, t.AddSeconds(2), new Box(1, 2, 3, 4))]);
            });
            store.Commit("folder", [], tx => AgentStore.MarkFileDone(tx, "folder", "a.jpg", 10, 20, 0));
        }
        using (var store = AgentStore.Open(_dir, 1 << 20))
        {
            Assert.Equal(new VideoProgress(3.2, false, t.ToUnixTimeMilliseconds()), store.Progress("lane1", "/v.mp4"));
            var pass = Assert.Single(store.Passes("lane1"));
            Assert.Equal("ABC1234", pass.Plate);
            Assert.Equal(t.AddSeconds(2), pass.End);
            Assert.True(store.IsFileDone("folder", "a.jpg", 10, 20));
            Assert.False(store.IsFileDone("folder", "a.jpg", 11, 20));
        }
    }

    [Fact]
    public void A_failed_commit_leaves_neither_reads_nor_progress()
    {
        using var store = AgentStore.Open(_dir, 1 << 20);
        Assert.Throws<InvalidOperationException>(() => store.Commit("a", [Read(1)], _ => throw new InvalidOperationException("disk")));
        Assert.Equal(0, store.Depth);
        Assert.Empty(store.Peek(10));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
