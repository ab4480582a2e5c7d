using Platewatch.Server.Images;

namespace Platewatch.Server.Tests;

public sealed class ImageStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pw-images-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Purge_removes_images_last_used_before_the_cutoff_and_keeps_ones_a_newer_read_refers_to()
    {
        var store = new FileImageStore(_dir);
        string old = await store.PutAsync(FormatAndImageTests.Png(10, 10, 1), Ct);
        string reused = await store.PutAsync(FormatAndImageTests.Png(10, 10, 2), Ct);
        string fresh = await store.PutAsync(FormatAndImageTests.Png(10, 10, 3), Ct);
        var longAgo = DateTime.UtcNow.AddDays(-400);
        foreach (string sha in new[] { old, reused }) File.SetLastWriteTimeUtc(PathOf(sha), longAgo);
        // A recent read names the old image by hash: it must outlive the purge.
        Assert.True(await store.ReferenceAsync(reused, Ct));
        Assert.False(await store.ReferenceAsync(new string('b', 64), Ct));

        long removed = await store.PurgeOlderThanAsync(DateTimeOffset.UtcNow.AddDays(-365), Ct);

        Assert.Equal(1, removed);
        Assert.False(await store.ExistsAsync(old, Ct));
        Assert.True(await store.ExistsAsync(reused, Ct));
        Assert.True(await store.ExistsAsync(fresh, Ct));
    }

    [Fact]
    public async Task Keys_that_are_not_hashes_never_reach_the_file_system()
    {
        var store = new FileImageStore(_dir);
        Assert.Null(await store.OpenAsync("../../etc/passwd", Ct));
        Assert.False(await store.ReferenceAsync("../" + new string('a', 61), Ct));
    }

    private string PathOf(string sha) => Path.Combine(_dir, sha[..2], sha[2..4], sha);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
