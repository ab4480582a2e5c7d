using System.Diagnostics;
using System.Globalization;
using Platewatch.Agent.Configuration;
using Platewatch.Agent.Delivery;
using Platewatch.Agent.Positioning;
using Platewatch.Agent.Sources;
using Platewatch.Recognition;

namespace Platewatch.Agent.Runtime;

/// <summary>
/// The edge agent: every configured source on its own task, one recognizer shared by them, the durable queue, the sender
/// and the heartbeat. Runs until cancelled, or with <c>exitWhenDone</c> until every video file is processed and the queue
/// has drained.
/// </summary>
internal sealed class EdgeAgent
{
    public static async Task<int> RunAsync(AgentOptions options, TextWriter logWriter, bool exitWhenDone, CancellationToken cancellationToken, AgentCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var log = new AgentLog(logWriter);
        counters ??= new AgentCounters();
        var beat = new HeartbeatState();
        if (exitWhenDone && options.Sources.Any(s => s.Kind != SourceKind.Video))
            throw new AgentConfigException("--exit-when-done needs every source to be a video file: streams and folders never finish.");
        if (options.Sources.Any(s => s.Kind != SourceKind.Folder)) CheckFfmpeg();

        Directory.CreateDirectory(options.DataDirectory);
        using var store = AgentStore.Open(options.DataDirectory, options.QueueMaxBytes);
        using var recognizer = PlateRecognizer.Create(new RecognizerOptions { ModelsDirectory = options.ModelsDirectory, IntraOpThreads = options.RecognitionThreads });
        using var http = new HttpClient { Timeout = options.HttpTimeout };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("platewatch-agent/1");
        var keys = options.Sources.ToDictionary(s => s.Name, s => s.ApiKey, StringComparer.Ordinal);
        using var sender = new ReadSender(store, http, options.ServerUrl, keys, options.BatchSize, options.MaxRetryDelay, log, counters);
        var journal = new AgentJournal(options.DataDirectory, options.PerFrameReads);

        var positions = new List<PositionSource>();
        try
        {
            foreach (var s in options.Sources)
            {
                try
                {
                    positions.Add(PositionSource.Create(s.Position, s.Name, log));
                }
                catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
                {
                    throw new AgentConfigException($"source {s.Name}: position: {ex.Message}", ex);
                }
            }
            log.Info($"agent: {options.Sources.Length} source(s), data in {options.DataDirectory}, server {options.ServerUrl}, {store.Depth} reads already queued");

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sending = Task.Run(() => sender.RunAsync(stop.Token), CancellationToken.None);
            var started = Stopwatch.StartNew();
            var heartbeat = Task.Run(() => HeartbeatAsync(options, store, counters, positions, log, started, beat, stop.Token), CancellationToken.None);
            var sources = options.Sources.Select((s, i) =>
            {
                var ctx = new SourceContext(options, s, recognizer, store, positions[i], journal, log, counters, sender.Notify);
                return Task.Run(() => RunSourceAsync(ctx, stop.Token), CancellationToken.None);
            }).ToArray();

            if (exitWhenDone)
            {
                await Task.WhenAll(sources).ConfigureAwait(false);
                sender.Notify();
                while (!stop.IsCancellationRequested && store.Depth > 0)
                {
                    try { await Task.Delay(200, stop.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) { break; }
                }
                log.Info("agent: every source is done and the queue is empty; exiting");
                await stop.CancelAsync().ConfigureAwait(false);
            }
            else
            {
                try { await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { }
            }
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(sources.Append(sending).Append(heartbeat)).ConfigureAwait(false);
            Heartbeat(options, store, counters, positions, log, started, beat);
            return 0;
        }
        finally
        {
            foreach (var p in positions) await p.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class HeartbeatState
    {
        public long Frames { get; set; }
        public long Processed { get; set; }
        public TimeSpan At { get; set; }
    }

    private static async Task RunSourceAsync(SourceContext ctx, CancellationToken ct)
    {
        try
        {
            if (ctx.Source.Kind == SourceKind.Folder) await new FolderSource(ctx).RunAsync(ct).ConfigureAwait(false);
            else await new VideoSource(ctx).RunAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // One broken source must not take the others down.
            ctx.Log.Error($"source {ctx.Source.Name}: stopped by an unexpected error: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static async Task HeartbeatAsync(AgentOptions options, AgentStore store, AgentCounters counters, List<PositionSource> positions, AgentLog log, Stopwatch started,
        HeartbeatState last, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.Heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false)) Heartbeat(options, store, counters, positions, log, started, last);
        }
        catch (OperationCanceledException) { }
    }

    private static void Heartbeat(AgentOptions options, AgentStore store, AgentCounters counters, List<PositionSource> positions, AgentLog log, Stopwatch started,
        HeartbeatState last)
    {
        var now = started.Elapsed;
        double span = Math.Max(0.001, (now - last.At).TotalSeconds);
        long frames = counters.Frames, processed = counters.Processed;
        double fps = (frames - last.Frames) / span, pps = (processed - last.Processed) / span;
        (last.Frames, last.Processed, last.At) = (frames, processed, now);
        long[] delays = counters.TakeAckDelays();
        string ack = delays.Length == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"p50 {delays[delays.Length / 2]} ms, max {delays[^1]} ms");
        long malformed = positions.Sum(p => p.MalformedSentences);
        log.Info(string.Create(CultureInfo.InvariantCulture,
            $"heartbeat: uptime {(int)now.TotalHours}h{now.Minutes:D2}m{now.Seconds:D2}s, {fps:F1} fps sampled ({pps:F1} read, the rest idle; {counters.FramesDropped} live frames dropped behind), reads {counters.Reads}, queue {store.Depth} ({store.Bytes / 1024.0 / 1024.0:F1} of {options.QueueMaxBytes >> 20} MB), delivered {counters.DeliveredTotal}, dropped {store.Counter("dropped")}, rejected {store.Counter("rejected")}, no fix {counters.NoFixTotal}, malformed NMEA {malformed}, frame-to-ack {ack}"));
    }

    private static void CheckFfmpeg()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("ffmpeg", "-version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            p?.WaitForExit(10_000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new AgentConfigException("ffmpeg is not installed (video and stream sources need it): apt-get install ffmpeg");
        }
    }
}
