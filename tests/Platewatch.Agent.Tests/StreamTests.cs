using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Platewatch.Agent.Tests.Support;

namespace Platewatch.Agent.Tests;

/// <summary>A live HTTP stream (ffmpeg serving MPEG-TS in real time): reads while it plays, reconnection when it comes back.</summary>
public sealed class StreamTests
{
    // The road is empty for the first 2.5 s: the test camera sends what it "missed" before the agent connected in a burst.
    private static readonly Car[] Cars = [new("KDT4821", 3.0, 2.5), new("HXR7730", 5.5, 2.5)];

    [Fact]
    public async Task A_stream_is_read_live_and_reconnected_after_it_drops()
    {
        using var ws = new AgentWorkspace();
        await using var server = await ServerProcess.CreateAsync(ws.Dir, "cam-live");
        await server.StartAsync();
        string video = await SyntheticVideo.RenderAsync(ws.PathOf("cars.mp4"), Cars, seconds: 8.5);
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}/live.ts";
        string config = ws.WriteConfig(server.Url,
            [new { name = "live", type = "stream", url, cameraId = "cam-live", apiKey = server.CameraKeys["cam-live"], sampleFps = 4, position = new { lat = 47.6, lon = -122.3 } }]);

        await using (var agent = PlatewatchProcess.Start(ws.Dir, "agent", "--config", config))
        {
            // No camera yet: the agent says so and keeps trying.
            Assert.True(await agent.WaitForOutputAsync("could not be read", TimeSpan.FromSeconds(60)), agent.Output);
            using (var camera = Serve(video, url))
            {
                Assert.True(await agent.WaitForOutputAsync("source live: connected", TimeSpan.FromSeconds(30)), agent.Output);
                await camera.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
            // The camera went away, and comes back.
            Assert.True(await agent.WaitForOutputAsync("source live: stream " + url + " stopped after", TimeSpan.FromSeconds(30)), agent.Output);
            using (var again = Serve(video, url))
            {
                await again.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while ((await server.ReadsAsync("cam-live")).Count < 2 * Cars.Length && DateTime.UtcNow < deadline)
                await Task.Delay(300, TestContext.Current.CancellationToken);
            // Whatever was still being read when the camera stopped has been delivered by now, or never will be.
            await Task.Delay(1500, TestContext.Current.CancellationToken);
            Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));
            TestContext.Current.TestOutputHelper?.WriteLine(agent.Output);
            Assert.Equal(2, agent.Output.Split('\n').Count(l => l.Contains("source live: connected", StringComparison.Ordinal)));
        }
        // Each showing of the cars is its own pass, timed by the agent's clock at connect plus the stream's presentation times.
        // A live reader that falls behind drops frames rather than lag (the test camera sends its first seconds in a burst,
        // and the machine may be busy), so a pass can be missed; a pass is never doubled.
        var reads = await server.ReadsAsync("cam-live");
        var plates = reads.Select(r => r.GetProperty("plate").GetString()!).ToList();
        Assert.All(plates, p => Assert.Contains(p, Cars.Select(c => c.Plate)));
        Assert.All(plates.GroupBy(p => p), g => Assert.InRange(g.Count(), 1, 2));
        Assert.True(plates.Count >= 2, string.Join(", ", plates));
        Assert.All(reads, r => Assert.InRange(r.GetProperty("capturedAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow));
    }

    /// <summary>ffmpeg as a one-client HTTP camera: plays the file in real time, then exits.</summary>
    private static Process Serve(string video, string url)
    {
        var psi = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "-hide_banner", "-loglevel", "error", "-re", "-i", video, "-c", "copy", "-f", "mpegts", "-listen", "1", url })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        return p;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
