using System.Net;
using System.Net.Sockets;
using System.Text;
using Platewatch.Agent.Configuration;
using Platewatch.Agent.Runtime;

namespace Platewatch.Agent.Positioning;

/// <summary>Where a source's camera was at a frame's time: fixed from the configuration, or from a GPS track or receiver.</summary>
internal sealed class PositionSource : IAsyncDisposable
{
    private readonly PositionOptions _options;
    private readonly PositionTrack? _track;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _feed = Task.CompletedTask;

    private PositionSource(PositionOptions options, PositionTrack? track, Func<CancellationToken, Task>? feed)
    {
        _options = options;
        _track = track;
        if (feed is not null) _feed = Task.Run(() => feed(_stop.Token));
    }

    public long MalformedSentences => Interlocked.Read(ref _malformed);

    private long _malformed;

    /// <summary>Null when there was no fix at <paramref name="time"/>: such a read is marked, never given an old position.</summary>
    public ReadPosition? At(DateTimeOffset time) =>
        _options.IsFixed
            ? new ReadPosition(_options.Latitude!.Value, _options.Longitude!.Value, _options.AccuracyMeters, _options.Heading, null, ReadPosition.FixedFix)
            : _track!.At(time);

    public static PositionSource Create(PositionOptions options, string sourceName, AgentLog log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (options.IsFixed) return new PositionSource(options, null, null);
        var track = new PositionTrack(options.MaxGap, options.MaxFixAge);
        if (options.GpxFile is { } gpx)
        {
            foreach (var f in Gpx.Read(gpx)) track.Add(f);
            log.Info($"source {sourceName}: {track.Count} GPX points from {gpx}");
            return new PositionSource(options, track, null);
        }
        PositionSource? made = null;
        if (options.NmeaFile is { } nmea)
        {
            if (!options.FollowNmea)
            {
                // A recorded log: read it all now, so every frame finds its fixes on both sides.
                made = new PositionSource(options, track, null);
                using var reader = new StreamReader(nmea, Encoding.ASCII);
                made.Feed(reader, nmea, sourceName, log, track);
                log.Info($"source {sourceName}: {track.Count} NMEA fixes from {nmea}");
                return made;
            }
            made = new PositionSource(options, track, ct => made!.FollowAsync(nmea, sourceName, log, track, ct));
            return made;
        }
        int port = options.NmeaUdpPort!.Value;
        made = new PositionSource(options, track, ct => made!.UdpAsync(port, sourceName, log, track, ct));
        return made;
    }

    private void Feed(TextReader reader, string name, string sourceName, AgentLog log, PositionTrack track)
    {
        var parser = new NmeaParser();
        int lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            Accept(parser, line, $"{name}:{lineNo}", sourceName, log, track);
        }
    }

    private void Accept(NmeaParser parser, string line, string where, string sourceName, AgentLog log, PositionTrack track)
    {
        var fix = parser.Parse(line, out string? error);
        if (error is not null)
        {
            long n = Interlocked.Increment(ref _malformed);
            // Noisy serial lines can produce many: the first few in full, then one in a thousand.
            if (n <= 5 || n % 1000 == 0) log.Warn($"source {sourceName}: {where}: malformed NMEA sentence skipped ({error}){(n > 5 ? $"; {n} so far" : "")}");
            return;
        }
        if (fix is { } f) track.Add(f);
    }

    // A serial device (or a growing log) read as a file: keep reading as lines arrive.
    private async Task FollowAsync(string path, string sourceName, AgentLog log, PositionTrack track, CancellationToken ct)
    {
        var parser = new NmeaParser();
        var delay = TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, FileOptions.Asynchronous);
                using var reader = new StreamReader(stream, Encoding.ASCII);
                long lineNo = 0;
                while (!ct.IsCancellationRequested)
                {
                    string? line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                    if (line is null)
                    {
                        await Task.Delay(200, ct).ConfigureAwait(false);
                        continue;
                    }
                    Accept(parser, line, $"{path}:{++lineNo}", sourceName, log, track);
                    delay = TimeSpan.FromSeconds(1);
                }
            }
            catch (OperationCanceledException) { return; }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.Error($"source {sourceName}: cannot read NMEA from {path}: {ex.Message}; retrying in {delay.TotalSeconds:F0} s");
                try { await Task.Delay(delay, ct).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromSeconds(Math.Min(60, delay.TotalSeconds * 2));
            }
        }
    }

    private async Task UdpAsync(int port, string sourceName, AgentLog log, PositionTrack track, CancellationToken ct)
    {
        var parser = new NmeaParser();
        UdpClient udp;
        try
        {
            udp = new UdpClient(new IPEndPoint(IPAddress.Any, port));
        }
        catch (SocketException ex)
        {
            log.Error($"source {sourceName}: cannot listen for NMEA on UDP port {port}: {ex.Message}; reads of this source will have no fix");
            return;
        }
        using (udp)
        {
            log.Info($"source {sourceName}: listening for NMEA on UDP port {port}");
            while (!ct.IsCancellationRequested)
            {
                UdpReceiveResult packet;
                try { packet = await udp.ReceiveAsync(ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                catch (SocketException) { continue; }
                foreach (string line in Encoding.ASCII.GetString(packet.Buffer).Split('\n'))
                    Accept(parser, line, $"udp:{port} from {packet.RemoteEndPoint}", sourceName, log, track);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _feed.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
