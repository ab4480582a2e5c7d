using System.Net;
using System.Net.Sockets;
using Platewatch.Agent.Tests.Support;

namespace Platewatch.Agent.Tests;

/// <summary>Broken sources get a clear error each, and the agent keeps serving the ones that work.</summary>
public sealed class BadInputTests
{
    private static readonly Car[] Cars = [new("KDT4821", 0.5), new("HXR7730", 3.5)];

    [Fact]
    public async Task Corrupt_video_unreachable_stream_and_malformed_nmea_are_reported_and_the_good_source_still_delivers()
    {
        using var ws = new AgentWorkspace();
        await using var server = await ServerProcess.CreateAsync(ws.Dir, "cam-bad");
        await server.StartAsync();
        string key = server.CameraKeys["cam-bad"];
        string good = await SyntheticVideo.RenderAsync(ws.PathOf("cars.mp4"), Cars, seconds: 6.5);
        string corrupt = ws.PathOf("corrupt.mp4");
        await File.WriteAllBytesAsync(corrupt, [.. Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7919 % 251))], TestContext.Current.CancellationToken);
        int closedPort = ClosedPort();
        // A GPS log for the good video's time, with a corrupted sentence (bad checksum) and a truncated one in it.
        var nmea = Enumerable.Range(-2, 12).Select(s => PositionTests.Rmc(s)).ToList();
        nmea.Insert(3, "$GPRMC,090001.00,A,4736.0000,N,12219.9260,W,20.0,0.0,271126,,,A*7F");
        nmea.Insert(6, "$GPRMC,0900");
        string nmeaFile = ws.PathOf("gps.nmea");
        await File.WriteAllLinesAsync(nmeaFile, nmea, TestContext.Current.CancellationToken);

        string config = ws.WriteConfig(server.Url,
        [
            new { name = "broken", type = "video", path = corrupt, cameraId = "cam-bad", apiKey = key, position = new { lat = 47.6, lon = -122.3 } },
            new { name = "gone", type = "stream", url = $"http://127.0.0.1:{closedPort}/camera.mjpg", cameraId = "cam-bad", apiKey = key, position = new { lat = 47.6, lon = -122.3 } },
            new { name = "patrol", type = "video", path = good, cameraId = "cam-bad", apiKey = key, sampleFps = 5, position = new { nmea = nmeaFile } },
        ]);
        await using var agent = PlatewatchProcess.Start(ws.Dir, "agent", "--config", config);
        Assert.True(await agent.WaitForOutputAsync("source patrol: finished", TimeSpan.FromMinutes(2)), agent.Output);
        Assert.True(await agent.WaitForOutputAsync("reconnecting in 2 s", TimeSpan.FromSeconds(30)), agent.Output);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<System.Text.Json.JsonElement> reads;
        while ((reads = await server.ReadsAsync("cam-bad")).Count < Cars.Length && DateTime.UtcNow < deadline)
            await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(30)));

        string log = agent.Output;
        TestContext.Current.TestOutputHelper?.WriteLine(log);
        Assert.Contains($"source broken: cannot read video {corrupt}: ", log, StringComparison.Ordinal);
        Assert.Contains("Invalid data found when processing input", log, StringComparison.Ordinal);
        Assert.Matches($@"source gone: stream http://127\.0\.0\.1:{closedPort}/camera\.mjpg could not be read: .*Connection refused.*; reconnecting in 1 s", log);
        Assert.Contains($"source patrol: {nmeaFile}:4: malformed NMEA sentence skipped (checksum mismatch", log, StringComparison.Ordinal);
        Assert.Contains($"source patrol: {nmeaFile}:7: malformed NMEA sentence skipped (RMC needs at least 10 fields", log, StringComparison.Ordinal);

        // The good source delivered, each read at the receiver's position interpolated to its frame time.
        Assert.Equal(Cars.Select(c => c.Plate).Order(), reads.Select(r => r.GetProperty("plate").GetString()).Order());
        foreach (var r in reads)
        {
            double seconds = (r.GetProperty("capturedAt").GetDateTimeOffset() - SyntheticVideo.CreationTime).TotalSeconds;
            Assert.Equal(47.6 + 0.0001 * seconds, r.GetProperty("location").GetProperty("lat").GetDouble(), 6);
            Assert.Equal(37.04, r.GetProperty("speedKmh").GetDouble(), 1);
        }
    }

    private static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
