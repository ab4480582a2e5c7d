using Platewatch.Agent.Tests.Support;

namespace Platewatch.Agent.Tests;

/// <summary>Outages and crashes: every read arrives exactly once.</summary>
public sealed class DeliveryTests
{
    private static readonly Car[] Cars = [new("KDT4821", 0.5), new("HXR7730", 3.5), new("BWN5069", 6.5)];

    [Fact]
    public async Task Reads_made_while_the_server_is_down_arrive_exactly_once_when_it_returns()
    {
        using var ws = new AgentWorkspace();
        await using var server = await ServerProcess.CreateAsync(ws.Dir, "cam-out");
        await server.StartAsync();
        string video = await SyntheticVideo.RenderAsync(ws.PathOf("cars.mp4"), Cars, seconds: 9.5);
        string config = ws.WriteConfig(server.Url, [AgentWorkspace.VideoSource("lane1", video, "cam-out", server.CameraKeys["cam-out"])]);

        await using var agent = PlatewatchProcess.Start(ws.Dir, "agent", "--config", config, "--exit-when-done");
        Assert.True(await agent.WaitForOutputAsync("source lane1: KDT4821", TimeSpan.FromMinutes(2)), agent.Output);
        await server.StopAsync();
        Assert.True(await agent.WaitForOutputAsync("cannot reach", TimeSpan.FromMinutes(2)), agent.Output);
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        await server.StartAsync();
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromMinutes(3)));

        var reads = await server.ReadsAsync("cam-out");
        Assert.Equal(Cars.Select(c => c.Plate).Order(), reads.Select(r => r.GetProperty("plate").GetString()).Order());
    }

    [Fact]
    public async Task An_agent_killed_mid_run_and_restarted_loses_nothing_and_repeats_nothing()
    {
        using var ws = new AgentWorkspace();
        await using var server = await ServerProcess.CreateAsync(ws.Dir, "cam-crash");
        await server.StartAsync();
        string video = await SyntheticVideo.RenderAsync(ws.PathOf("cars.mp4"), Cars, seconds: 9.5);
        string config = ws.WriteConfig(server.Url, [AgentWorkspace.VideoSource("lane1", video, "cam-crash", server.CameraKeys["cam-crash"])]);

        await using (var first = PlatewatchProcess.Start(ws.Dir, "agent", "--config", config, "--exit-when-done"))
        {
            Assert.True(await first.WaitForOutputAsync("source lane1: KDT4821", TimeSpan.FromMinutes(2)), first.Output);
            first.Kill();
            Assert.DoesNotContain("finished", first.Output, StringComparison.Ordinal);
        }
        await using var second = PlatewatchProcess.Start(ws.Dir, "agent", "--config", config, "--exit-when-done");
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromMinutes(3)));
        Assert.Contains("resuming", second.Output, StringComparison.Ordinal);

        var reads = await server.ReadsAsync("cam-crash");
        Assert.Equal(Cars.Select(c => c.Plate).Order(), reads.Select(r => r.GetProperty("plate").GetString()).Order());
    }
}
