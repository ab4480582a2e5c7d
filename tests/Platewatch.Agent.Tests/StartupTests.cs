using Platewatch.Agent.Tests.Support;

namespace Platewatch.Agent.Tests;

/// <summary>'platewatch agent' refuses a bad configuration at start-up with one line naming the field and the fix.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task A_missing_configuration_file_is_named()
    {
        using var ws = new AgentWorkspace();
        var r = await PlatewatchProcess.RunAsync(ws.Dir, "agent", "--config", "nope.json");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("platewatch: nope.json: no such configuration file; pass --config with the path of the agent's JSON file.", r.Stderr.Trim());
    }

    [Fact]
    public async Task A_missing_field_is_named_with_the_fix()
    {
        using var ws = new AgentWorkspace();
        string config = ws.WriteConfig(new Uri("http://127.0.0.1:9/"), [new { type = "video", path = "v.mp4", apiKey = "k", position = new { lat = 1, lon = 2 } }]);
        var r = await PlatewatchProcess.RunAsync(ws.Dir, "agent", "--config", config);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("sources[0].cameraId is missing: set it to the camera the API key was created for", r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_broken_gpx_track_is_named_with_its_line()
    {
        using var ws = new AgentWorkspace();
        File.WriteAllText(ws.PathOf("track.gpx"), "<gpx><trk><trkseg>\n<trkpt lat=\"47.6\" lon=\"-122.3\"><time>yesterday</time></trkpt>\n</trkseg></trk></gpx>");
        File.WriteAllBytes(ws.PathOf("v.mp4"), [0]);
        string config = ws.WriteConfig(new Uri("http://127.0.0.1:9/"),
            [new { name = "car", type = "video", path = "v.mp4", cameraId = "c", apiKey = "k", position = new { gpx = "track.gpx" } }]);
        var r = await PlatewatchProcess.RunAsync(ws.Dir, "agent", "--config", config);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"platewatch: source car: position: {ws.PathOf("track.gpx")}:2: 'yesterday' is not an ISO 8601 time.", r.Stderr, StringComparison.Ordinal);
    }
}
