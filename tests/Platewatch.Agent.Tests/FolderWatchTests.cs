using Platewatch.Agent.Tests.Support;
using Platewatch.Rendering;

namespace Platewatch.Agent.Tests;

/// <summary>Folder watch: each image dropped by a camera is read once, even across restarts, then archived or deleted.</summary>
public sealed class FolderWatchTests
{
    private static readonly DateTimeOffset DroppedAt = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    private static void Drop(string folder, string name, string plate, DateTimeOffset at)
    {
        using var plates = PlateRenderer.CreateDefault();
        using var bmp = new SceneRenderer(plates).Render(960, 540, [new PlacedPlate(new PlateSpec { Text = plate, TopText = "OHIO", Width = 200 }, 380, 320)], seed: 3);
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, PlateRenderer.Encode(bmp, 90));
        File.SetLastWriteTimeUtc(path, at.UtcDateTime);
    }

    [Fact]
    public async Task Each_image_is_read_once_across_restarts_then_archived_or_deleted()
    {
        using var ws = new AgentWorkspace();
        await using var server = await ServerProcess.CreateAsync(ws.Dir, "cam-ftp");
        await server.StartAsync();
        string key = server.CameraKeys["cam-ftp"];
        string keep = Directory.CreateDirectory(ws.PathOf("ftp-keep")).FullName, drop = Directory.CreateDirectory(ws.PathOf("ftp-drop")).FullName;
        string archive = ws.PathOf("archive");
        Drop(keep, "a.jpg", "KDT4821", DroppedAt);
        Drop(drop, "b.jpg", "HXR7730", DroppedAt.AddSeconds(5));
        string config = ws.WriteConfig(server.Url,
        [
            new { name = "keep", type = "folder", path = keep, after = "archive", archiveDirectory = archive, pollSeconds = 0.2, cameraId = "cam-ftp", apiKey = key, position = new { lat = 47.6, lon = -122.3 } },
            new { name = "drop", type = "folder", path = drop, after = "delete", pollSeconds = 0.2, cameraId = "cam-ftp", apiKey = key, position = new { lat = 47.6, lon = -122.3 } },
        ]);

        await using (var agent = PlatewatchProcess.Start(ws.Dir, "agent", "--config", config))
        {
            await WaitForReadsAsync(server, 2);
            Assert.True(await agent.WaitForOutputAsync("source drop: HXR7730", TimeSpan.FromSeconds(10)), agent.Output);
            Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.True(File.Exists(Path.Combine(archive, "a.jpg")));
        Assert.False(File.Exists(Path.Combine(keep, "a.jpg")));
        Assert.Empty(Directory.GetFiles(drop));

        // The same file again (a crash between the commit and the archive leaves it so), and a new one.
        File.Copy(Path.Combine(archive, "a.jpg"), Path.Combine(keep, "a.jpg"));
        File.SetLastWriteTimeUtc(Path.Combine(keep, "a.jpg"), DroppedAt.UtcDateTime);
        Drop(keep, "c.jpg", "BWN5069", DroppedAt.AddSeconds(10));
        await using (var agent = PlatewatchProcess.Start(ws.Dir, "agent", "--config", config))
        {
            await WaitForReadsAsync(server, 3);
            Assert.True(await agent.WaitForOutputAsync("source keep: BWN5069", TimeSpan.FromSeconds(10)), agent.Output);
            Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
            Assert.DoesNotContain("KDT4821", agent.Output, StringComparison.Ordinal);
        }
        var reads = await server.ReadsAsync("cam-ftp");
        Assert.Equal(["BWN5069", "HXR7730", "KDT4821"], reads.Select(r => r.GetProperty("plate").GetString()).Order());
        Assert.Equal(DroppedAt, reads.Single(r => r.GetProperty("plate").GetString() == "KDT4821").GetProperty("capturedAt").GetDateTimeOffset());
        Assert.Empty(Directory.GetFiles(keep));
    }

    private static async Task WaitForReadsAsync(ServerProcess server, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if ((await server.ReadsAsync("cam-ftp")).Count >= count) return;
            await Task.Delay(300, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"the server did not receive {count} reads");
    }
}
