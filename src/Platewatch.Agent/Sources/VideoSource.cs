using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Platewatch.Agent.Configuration;
using Platewatch.Agent.Delivery;
using Platewatch.Agent.Runtime;
using Platewatch.Agent.Tracking;
using Platewatch.Recognition;

namespace Platewatch.Agent.Sources;

/// <summary>
/// A video file or a camera stream: frames from ffmpeg, sampled and motion-gated, read, tracked into passes.
/// A file resumes after a restart from the earliest frame of a pass not yet queued (saved with every commit), and the
/// passes it already queued are remembered, so a crash neither loses nor repeats a read. A stream reconnects with
/// exponential backoff; its frame times are the stream's presentation times, anchored to the agent's clock at connect.
/// </summary>
internal sealed class VideoSource(SourceContext ctx)
{
    private static readonly TimeSpan Checkpoint = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StreamStall = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan FileStall = TimeSpan.FromMinutes(2);

    private readonly Dictionary<long, byte[]> _crops = [];
    private readonly MotionGate _gate = new(ctx.Source.MotionThreshold, ctx.Source.IdleKeepalive);
    private readonly PlateTracker _tracker = new(ctx.Agent.Tracking);

    private SourceOptions Source => ctx.Source;

    public Task RunAsync(CancellationToken cancellationToken) =>
        Source.Kind == SourceKind.Stream ? RunStreamAsync(cancellationToken) : RunFileAsync(cancellationToken);

    private async Task RunFileAsync(CancellationToken ct)
    {
        string path = Source.Location;
        var log = ctx.Log;
        if (!File.Exists(path))
        {
            log.Error($"source {Source.Name}: video file {path} does not exist; this source stops (fix its path in the configuration)");
            return;
        }
        // Progress belongs to this file's content as far as the file system tells: a new recording under the same name is new.
        var info = new FileInfo(path);
        string key = string.Create(CultureInfo.InvariantCulture, $"{path}|{info.Length}|{new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds()}");
        var saved = ctx.Store.Progress(Source.Name, key);
        if (saved is { Done: true })
        {
            log.Info($"source {Source.Name}: {path} was processed before; nothing to do");
            return;
        }
        _tracker.Remember(ctx.Store.Passes(Source.Name));
        if (saved is not null) log.Info($"source {Source.Name}: resuming {path} at {saved.ResumeAt:F2} s");
        long frames = 0;
        DateTimeOffset? baseTime = saved is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(saved.BaseMs);
        double lastCheckpoint = double.NegativeInfinity, pts = saved?.ResumeAt ?? 0;
        string? failure = null;
        var reader = FfmpegReader.Start(path, isStream: false, Source.SampleFps, saved?.ResumeAt);
        await using (reader.ConfigureAwait(false))
        {
            try
            {
                while (await reader.NextAsync(FileStall, ct).ConfigureAwait(false) is { } frame)
                {
                    using (frame)
                    {
                        // The container's creation_time is known once the first frame is (ffmpeg prints it first).
                        baseTime ??= Source.StartTime ?? reader.CreationTime ?? DateTimeOffset.UtcNow;
                        pts = frame.Pts;
                        var time = baseTime.Value + TimeSpan.FromSeconds(pts);
                        var closed = Process(frame, time, ct);
                        frames++;
                        double resumeAt = _tracker.EarliestOpenStart is { } open ? Math.Min(pts, (open - baseTime.Value).TotalSeconds) : pts;
                        if (closed.Count > 0 || pts - lastCheckpoint >= Checkpoint.TotalSeconds)
                        {
                            var progress = new VideoProgress(resumeAt, false, baseTime.Value.ToUnixTimeMilliseconds());
                            ctx.Emit(closed, _crops, _tracker, tx => AgentStore.SaveProgress(tx, Source.Name, key, progress));
                            lastCheckpoint = pts;
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is TimeoutException or VideoSourceException or IOException)
            {
                failure = ex.Message;
            }
            int code = failure is null ? await reader.WaitForExitAsync(ct).ConfigureAwait(false) : -1;
            if (code != 0 || (frames == 0 && saved is null))
                failure ??= reader.LastMessage ?? $"ffmpeg exited with code {code}";
        }
        if (failure is not null && frames == 0)
        {
            log.Error($"source {Source.Name}: cannot read video {path}: {failure}; skipped (the other sources go on)");
            var skipped = new VideoProgress(pts, true, (baseTime ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds());
            ctx.Emit([], _crops, null, tx => AgentStore.SaveProgress(tx, Source.Name, key, skipped));
            return;
        }
        if (failure is not null) log.Error($"source {Source.Name}: video {path} ended early after {frames} frames: {failure}; the passes seen so far are kept");
        var done = new VideoProgress(pts, true, (baseTime ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds());
        ctx.Emit(_tracker.Flush(), _crops, _tracker, tx => AgentStore.SaveProgress(tx, Source.Name, key, done));
        log.Info($"source {Source.Name}: finished {path} ({frames} frames sampled)");
    }

    private async Task RunStreamAsync(CancellationToken ct)
    {
        var log = ctx.Log;
        string shown = Redact(Source.Location);
        var backoff = TimeSpan.FromSeconds(1);
        _tracker.Remember(ctx.Store.Passes(Source.Name));
        while (!ct.IsCancellationRequested)
        {
            long frames = 0;
            var started = DateTimeOffset.UtcNow;
            string? failure = null;
            try
            {
                var reader = FfmpegReader.Start(Source.Location, isStream: true, Source.SampleFps, null);
                await using (reader.ConfigureAwait(false))
                {
                    // Live frames are not worth more than the newest: when reading falls behind, older frames waiting to be
                    // read are dropped (and counted), so the agent stays at the camera's present instead of lagging further.
                    var latest = Channel.CreateBounded<(RawFrame Frame, DateTimeOffset Time)>(
                        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                        dropped =>
                        {
                            dropped.Frame.Dispose();
                            ctx.Counters.FrameDropped();
                        });
                    var producer = Task.Run(() => ReceiveAsync(reader, latest.Writer, ct), CancellationToken.None);
                    try
                    {
                        await foreach (var (frame, time) in latest.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                        {
                            using (frame)
                            {
                                var closed = Process(frame, time, ct);
                                if (frames++ == 0) log.Info($"source {Source.Name}: connected to {shown} ({frame.Width}x{frame.Height})");
                                if (closed.Count > 0) ctx.Emit(closed, _crops, _tracker, null);
                                if (frames > 100) backoff = TimeSpan.FromSeconds(1);
                            }
                        }
                        await producer.ConfigureAwait(false);
                        int code = await reader.WaitForExitAsync(ct).ConfigureAwait(false);
                        failure = code == 0 ? "the camera closed the stream" : reader.LastMessage ?? $"ffmpeg exited with code {code}";
                    }
                    catch (Exception ex) when (ex is TimeoutException or VideoSourceException or IOException)
                    {
                        failure = ex.Message;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (VideoSourceException ex)
            {
                failure = ex.Message;
            }
            // The vehicles in view when the stream broke: their passes end here.
            ctx.Emit(_tracker.Flush(), _crops, _tracker, null);
            if (ct.IsCancellationRequested) break;
            if (frames > 0 && DateTimeOffset.UtcNow - started > TimeSpan.FromSeconds(30)) backoff = TimeSpan.FromSeconds(1);
            log.Error($"source {Source.Name}: stream {shown} {(frames == 0 ? "could not be read" : $"stopped after {frames} frames")}: {failure}; reconnecting in {backoff.TotalSeconds:F0} s");
            try { await Task.Delay(backoff, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
            backoff = TimeSpan.FromSeconds(Math.Min(60, backoff.TotalSeconds * 2));
        }
    }

    /// <summary>Reads frames as fast as ffmpeg gives them and dates each on arrival.</summary>
    private static async Task ReceiveAsync(FfmpegReader reader, ChannelWriter<(RawFrame, DateTimeOffset)> writer, CancellationToken ct)
    {
        double? anchorPts = null;
        DateTimeOffset anchor = default;
        double lastPts = double.NegativeInfinity;
        try
        {
            while (await reader.NextAsync(StreamStall, ct).ConfigureAwait(false) is { } frame)
            {
                // Presentation times give the exact spacing of frames; the clock at the first one places them in the day.
                // A jump back (the camera restarted its clock) re-anchors.
                if (anchorPts is null || frame.Pts < lastPts)
                {
                    anchorPts = frame.Pts;
                    anchor = DateTimeOffset.UtcNow;
                }
                lastPts = frame.Pts;
                var time = anchor + TimeSpan.FromSeconds(frame.Pts - anchorPts.Value);
                // A burst (a server's buffered start, a catch-up after a stall) must not date frames in the future:
                // the anchor slides back so the newest frame is "now".
                var now = DateTimeOffset.UtcNow;
                if (time > now)
                {
                    anchor -= time - now;
                    time = now;
                }
                if (!writer.TryWrite((frame, time))) frame.Dispose();
            }
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
        }
    }

    /// <summary>One sampled frame: skipped when idle, else read and tracked. Returns the passes that closed.</summary>
    private IReadOnlyList<PlateGroup> Process(RawFrame frame, DateTimeOffset time, CancellationToken ct)
    {
        if (_gate.IsIdle(frame.Pixels.Span, frame.Width, frame.Height, time))
        {
            ctx.Counters.Frame(processed: false);
            return _tracker.Idle(time);
        }
        ctx.Counters.Frame(processed: true);
        var result = ctx.Recognizer.Recognize(new ImagePixels(frame.Pixels, frame.Width, frame.Height, PixelFormat.Bgr24), ctx.Hints, ct);
        var observations = result.Plates
            .Select(p => new PlateObservation(time, p.Text, p.Confidence, p.CharacterConfidences, p.Region, SourceContext.BoxOf(p.Corners)))
            .ToList();
        var (assignments, closed) = _tracker.Observe(time, observations);
        for (int i = 0; i < assignments.Count; i++)
        {
            if (assignments[i] is { TrackId: > 0, IsBest: true } a && SourceContext.Crop(frame.Pixels, frame.Width, frame.Height, observations[i].Box) is { } crop)
                _crops[a.TrackId] = crop;
        }
        if (ctx.Journal.PerFrame && observations.Count > 0) ctx.Journal.Frame(FrameRecord(time, observations));
        return closed;
    }

    private string FrameRecord(DateTimeOffset time, List<PlateObservation> observations)
    {
        var results = observations.Select(o => new Dictionary<string, object?>
        {
            ["plate"] = o.Text,
            ["confidence"] = Math.Round(o.Confidence * 100, 2),
            ["region"] = o.Region,
            ["coordinates"] = $"{o.Box.X:F0},{o.Box.Y:F0},{o.Box.Width:F0},{o.Box.Height:F0}",
        }).ToList();
        var record = new Dictionary<string, object?>
        {
            ["data_type"] = "alpr_results",
            ["epoch_time"] = time.ToUnixTimeMilliseconds(),
            ["source"] = Source.Name,
            ["camera_id"] = Source.CameraId,
            ["results"] = results,
        };
        return JsonSerializer.Serialize(record, AgentJsonContext.Default.DictionaryStringObject);
    }

    /// <summary>A URL for the log: without the user's password.</summary>
    internal static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.UserInfo.Length > 0
            ? url.Replace(u.UserInfo, u.UserInfo.Split(':')[0] + ":***", StringComparison.Ordinal)
            : url;

    internal static string Seconds(double s) => s.ToString("F2", CultureInfo.InvariantCulture);
}
