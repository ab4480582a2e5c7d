using Platewatch.Agent.Tests.Support;

namespace Platewatch.Agent.Tests;

/// <summary>
/// The real agent executable reads a synthetic video of cars (rendered with the plate renderer, encoded with ffmpeg) and
/// sends its reads to a real 'platewatch serve' on 127.0.0.1.
/// </summary>
public sealed class EndToEndTests
{
    private static readonly Car[] Cars = [new("KDT4821", 0.5), new("HXR7730", 3.5), new("BWN5069", 6.5)];

    [Fact]
    public async Task Agent_sends_exactly_one_read_per_car_with_the_right_plate()
    {
        using var ws = new AgentWorkspace();
        await using var server = await ServerProcess.CreateAsync(ws.Dir, "cam-e2e");
        await server.StartAsync();
        string video = await SyntheticVideo.RenderAsync(ws.PathOf("cars.mp4"), Cars, seconds: 9.5);
        string config = ws.WriteConfig(server.Url, [AgentWorkspace.VideoSource("lane1", video, "cam-e2e", server.CameraKeys["cam-e2e"])]);

        await using var agent = PlatewatchProcess.Start(ws.Dir, "agent", "--config", config, "--exit-when-done");
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromMinutes(3)));
        TestContext.Current.TestOutputHelper?.WriteLine(agent.Output);

        var reads = await server.ReadsAsync("cam-e2e");
        Assert.Equal(Cars.Select(c => c.Plate).Order(), reads.Select(r => r.GetProperty("plate").GetString()).Order());
        // Times come from the video's creation_time plus each frame's presentation time.
        foreach (var r in reads)
        {
            var at = r.GetProperty("capturedAt").GetDateTimeOffset();
            var car = Cars.Single(c => c.Plate == r.GetProperty("plate").GetString());
            Assert.InRange(at, SyntheticVideo.CreationTime.AddSeconds(car.Enter - 0.5), SyntheticVideo.CreationTime.AddSeconds(car.Enter + car.Seconds + 0.5));
            Assert.Equal(47.6062, r.GetProperty("location").GetProperty("lat").GetDouble(), 4);
            // The best crop travelled inline with its read and is in the server's image store under its hash.
            Assert.Matches("^[0-9a-f]{64}$", r.GetProperty("images").GetProperty("plateCrop").GetString());
            // The pass travels with the read: first and last frame around the best one, and the direction of travel.
            var pass = r.GetProperty("pass");
            Assert.Equal("left-to-right", pass.GetProperty("direction").GetString());
            Assert.True(pass.GetProperty("firstSeen").GetDateTimeOffset() <= at && at <= pass.GetProperty("lastSeen").GetDateTimeOffset());
            Assert.True(pass.GetProperty("frames").GetInt32() >= 2);
        }
        string passes = await File.ReadAllTextAsync(Path.Combine(ws.DataDir, "passes.jsonl"), TestContext.Current.CancellationToken);
        Assert.Contains("\"direction\":\"left-to-right\"", passes, StringComparison.Ordinal);
    }
}
