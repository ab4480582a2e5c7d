using System.Net;
using System.Net.Sockets;
using System.Text;
using Platewatch.Agent.Configuration;
using Platewatch.Agent.Positioning;
using Platewatch.Agent.Runtime;

namespace Platewatch.Agent.Tests;

/// <summary>Live GPS receivers: NMEA over UDP, and a serial device read as a growing file.</summary>
public sealed class LiveGpsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static async Task<ReadPosition?> WaitForAsync(PositionSource source, DateTimeOffset at)
    {
        for (int i = 0; i < 100; i++)
        {
            if (source.At(at) is { } p) return p;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        return null;
    }

    [Fact]
    public async Task Nmea_over_udp_is_interpolated_and_malformed_datagrams_are_counted()
    {
        int port;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0))) port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        var log = new StringWriter();
        await using var source = PositionSource.Create(new PositionOptions { NmeaUdpPort = port }, "car", new AgentLog(TextWriter.Synchronized(log)));
        using var udp = new UdpClient();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        foreach (string line in new[] { PositionTests.Rmc(0), "$GPRMC,garbage*00", PositionTests.Rmc(1) + "\r\n" + PositionTests.Rmc(2) })
        {
            byte[] bytes = Encoding.ASCII.GetBytes(line);
            await udp.SendAsync(bytes, new IPEndPoint(IPAddress.Loopback, port), TestContext.Current.CancellationToken);
        }
        // Datagrams arrive one by one: until the fix at t = 2 s is in, t = 1.5 s may be answered from the first fix alone.
        const double expected = 47.6 + 0.00015;
        var p = await WaitForAsync(source, T0.AddSeconds(1.5));
        for (int i = 0; i < 100 && p is not null && Math.Abs(p.Latitude - expected) > 1e-9; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            p = source.At(T0.AddSeconds(1.5));
        }
        Assert.NotNull(p);
        Assert.Equal(expected, p.Latitude, 7);
        for (int i = 0; i < 50 && source.MalformedSentences == 0; i++) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Equal(1, source.MalformedSentences);
        Assert.Contains("malformed NMEA sentence skipped", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_serial_device_is_followed_as_lines_arrive()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pw-tty-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, PositionTests.Rmc(0) + "\n", TestContext.Current.CancellationToken);
        try
        {
            await using var source = PositionSource.Create(new PositionOptions { NmeaFile = path, FollowNmea = true }, "car", new AgentLog(TextWriter.Null));
            Assert.NotNull(await WaitForAsync(source, T0));
            // Nothing yet at t = 5 s: the last fix is too old to stand in for it.
            Assert.Null(source.At(T0.AddSeconds(5)));
            await File.AppendAllTextAsync(path, PositionTests.Rmc(4) + "\n" + PositionTests.Rmc(5) + "\n", TestContext.Current.CancellationToken);
            var p = await WaitForAsync(source, T0.AddSeconds(5));
            Assert.NotNull(p);
            Assert.Equal(47.6 + 0.0005, p.Latitude, 7);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
