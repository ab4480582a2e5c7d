using System.Globalization;
using System.Text.Json;
using Platewatch.Agent.Tests.Support;

namespace Platewatch.Agent.Tests;

/// <summary>A mobile camera with a GPX track: reads are placed on the track at their frame time; without a fix they are marked, not sent.</summary>
public sealed class GpsTests
{
    private static readonly Car[] Cars = [new("KDT4821", 0.5), new("HXR7730", 3.5)];

    private static string Gpx(DateTimeOffset start, int seconds)
    {
        var points = Enumerable.Range(0, seconds + 1).Select(s => string.Create(CultureInfo.InvariantCulture,
            $"<trkpt lat=\"{47.6 + 0.0001 * s:F7}\" lon=\"{-122.3 - 0.0002 * s:F7}\"><time>{start.AddSeconds(s):yyyy-MM-ddTHH:mm:ssZ}</time></trkpt>"));
        return $"<?xml version=\"1.0\"?><gpx version=\"1.1\" xmlns=\"http://www.topografix.com/GPX/1/1\"><trk><trkseg>{string.Concat(points)}</trkseg></trk></gpx>";
    }

    [Fact]
    public async Task Reads_get_the_interpolated_track_position_and_reads_without_a_fix_are_marked_not_sent()
    {
        using var ws = new AgentWorkspace();
        await using var server = await ServerProcess.CreateAsync(ws.Dir, "cam-gps");
        await server.StartAsync();
        string key = server.CameraKeys["cam-gps"];
        string video = await SyntheticVideo.RenderAsync(ws.PathOf("cars.mp4"), Cars, seconds: 6.5);
        await File.WriteAllTextAsync(ws.PathOf("covered.gpx"), Gpx(SyntheticVideo.CreationTime.AddSeconds(-1), 10), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(ws.PathOf("elsewhen.gpx"), Gpx(SyntheticVideo.CreationTime.AddHours(2), 10), TestContext.Current.CancellationToken);
        string config = ws.WriteConfig(server.Url,
        [
            new { name = "covered", type = "video", path = video, cameraId = "cam-gps", apiKey = key, sampleFps = 5, position = new { gpx = "covered.gpx" } },
            new { name = "nofix", type = "video", path = video, cameraId = "cam-gps", apiKey = key, sampleFps = 5, position = new { gpx = "elsewhen.gpx" } },
        ], tracking: new { gapSeconds = 0.8, minFrames = 2, perFrameReads = true });

        await using var agent = PlatewatchProcess.Start(ws.Dir, "agent", "--config", config, "--exit-when-done");
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromMinutes(3)));
        TestContext.Current.TestOutputHelper?.WriteLine(agent.Output);

        var reads = await server.ReadsAsync("cam-gps");
        Assert.Equal(Cars.Select(c => c.Plate).Order(), reads.Select(r => r.GetProperty("plate").GetString()).Order());
        foreach (var r in reads)
        {
            double s = (r.GetProperty("capturedAt").GetDateTimeOffset() - SyntheticVideo.CreationTime).TotalSeconds + 1;
            Assert.Equal(47.6 + 0.0001 * s, r.GetProperty("location").GetProperty("lat").GetDouble(), 6);
            Assert.Equal(-122.3 - 0.0002 * s, r.GetProperty("location").GetProperty("lon").GetDouble(), 6);
        }
        Assert.Contains("source nofix: KDT4821 at 2026-11-27T09:00:0", agent.Output, StringComparison.Ordinal);
        Assert.Contains("has no GPS fix", agent.Output, StringComparison.Ordinal);

        var passes = File.ReadAllLines(Path.Combine(ws.DataDir, "passes.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, passes.Count);
        Assert.All(passes.Where(p => p.GetProperty("source").GetString() == "nofix"), p =>
        {
            Assert.Equal("none", p.GetProperty("fix").GetString());
            Assert.Equal(JsonValueKind.Null, p.GetProperty("id").ValueKind);
        });
        Assert.All(passes.Where(p => p.GetProperty("source").GetString() == "covered"), p => Assert.Equal("gps", p.GetProperty("fix").GetString()));

        // Per-frame reads, OpenALPR alpr_results style, when enabled.
        var frames = File.ReadAllLines(Path.Combine(ws.DataDir, "frames.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.True(frames.Count >= 2 * 2 * 5, $"{frames.Count} per-frame records");
        Assert.All(frames, f => Assert.Equal("alpr_results", f.GetProperty("data_type").GetString()));
    }
}
