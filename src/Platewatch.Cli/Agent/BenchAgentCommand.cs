using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Platewatch.Agent.Configuration;
using Platewatch.Agent.Runtime;
using Platewatch.Agent.Sources;
using Platewatch.Agent.Tracking;
using Platewatch.Query;
using Platewatch.Recognition;
using Platewatch.Rendering;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Agent;

/// <summary>
/// <c>platewatch bench agent</c>: renders a 1280x720 video of two lanes of traffic (a car every 0.5 s, 120 a minute), then
/// measures (1) frames per second through ffmpeg, recognition and tracking with every frame read, one and two pipelines at
/// once, and (2) a live run: ffmpeg serves the video in real time over HTTP, the agent reads it as a camera stream and
/// delivers to an in-process server, giving reads a minute and the frame-to-acknowledgement delay.
/// </summary>
internal sealed class BenchAgentCommand : AsyncCommand<BenchAgentCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--seconds <N>")]
        [Description("Length of the synthetic video.")]
        [DefaultValue(30)]
        public int Seconds { get; init; } = 30;

        [CommandOption("--sample-fps <FPS>")]
        [Description("Frames a second the live run samples from the 10 fps stream.")]
        [DefaultValue(5.0)]
        public double SampleFps { get; init; } = 5;

        [CommandOption("--models <DIR>")]
        [Description("Models directory (default: $PLATEWATCH_MODELS, else ./models).")]
        public string? Models { get; init; }

        [CommandOption("--out <FILE>")]
        [DefaultValue("bench-agent.json")]
        public string Out { get; init; } = "bench-agent.json";

        public override ValidationResult Validate() =>
            Seconds is < 5 or > 600 ? ValidationResult.Error("--seconds must be 5 to 600.")
            : SampleFps is <= 0 or > 10 ? ValidationResult.Error("--sample-fps must be above 0 and at most 10 (the video's rate).")
            : ValidationResult.Success();
    }

    private const int Width = 1280, Height = 720, Fps = 10;
    private const double CarEvery = 0.5, Crossing = 2.0;
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    internal sealed record ThroughputRow(string Configuration, int Frames, double Seconds, double FramesPerSecond, double StreamsAt10Fps);

    internal sealed record LiveResult(int Cars, int ReadsDelivered, int CorrectPlates, double ReadsPerMinute, double AckP50Ms, double AckP95Ms, double AckMaxMs, double SampleFps,
        long FramesRead, long FramesDropped);

    internal sealed record Report(string Machine, int Width, int Height, int VideoSeconds, IReadOnlyList<ThroughputRow> Throughput, LiveResult Live);

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string dir = Path.Combine(Path.GetTempPath(), "platewatch-bench-agent-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            Say($"rendering {settings.Seconds} s of {Width}x{Height} traffic at {Fps} fps");
            string video = Path.Combine(dir, "traffic.mp4");
            var cars = await RenderAsync(video, settings.Seconds, cancellationToken).ConfigureAwait(false);

            var rows = new List<ThroughputRow>();
            foreach (int pipelines in new[] { 1, 2 })
            {
                Say($"throughput: {pipelines} pipeline(s), every frame read");
                rows.Add(Throughput(video, pipelines, settings.Models, cancellationToken));
            }
            Say($"live: the video as a 10 fps HTTP stream in real time, sampled at {settings.SampleFps} fps, delivered to a server on 127.0.0.1");
            var live = await LiveAsync(dir, video, cars, settings, cancellationToken).ConfigureAwait(false);

            string machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
            var report = new Report(machine, Width, Height, settings.Seconds, rows, live);
            var table = new Table().AddColumns("configuration", "frames", "seconds", "frames/s", "streams at 10 fps");
            foreach (var r in rows) table.AddRow(r.Configuration, r.Frames.ToString(CultureInfo.InvariantCulture), F(r.Seconds), F(r.FramesPerSecond), F(r.StreamsAt10Fps));
            AnsiConsole.Write(new Rule($"bench agent: {Width}x{Height}, {Markup.Escape(machine)}"));
            AnsiConsole.Write(table);
            var lt = new Table().AddColumns("live run", "value");
            lt.AddRow("cars in the video (a minute)", $"{live.Cars} ({F(live.Cars / (settings.Seconds / 60.0))})");
            lt.AddRow("reads delivered (correct plates)", $"{live.ReadsDelivered} ({live.CorrectPlates})");
            lt.AddRow("reads a minute", F(live.ReadsPerMinute));
            lt.AddRow("frames read / dropped behind", $"{live.FramesRead} / {live.FramesDropped}");
            lt.AddRow("frame-to-ack p50 / p95 / max ms", $"{F(live.AckP50Ms)} / {F(live.AckP95Ms)} / {F(live.AckMaxMs)}");
            AnsiConsole.Write(lt);
            await File.WriteAllTextAsync(settings.Out, JsonSerializer.Serialize(report, s_json), cancellationToken).ConfigureAwait(false);
            AnsiConsole.MarkupLine($"report written to [blue]{Markup.Escape(settings.Out)}[/]");
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static ThroughputRow Throughput(string video, int pipelines, string? models, CancellationToken ct)
    {
        using var recognizer = PlateRecognizer.Create(new RecognizerOptions { ModelsDirectory = models, IntraOpThreads = Math.Max(1, 2 / pipelines) });
        int frames = 0;
        var sw = Stopwatch.StartNew();
        Parallel.For(0, pipelines, new ParallelOptions { MaxDegreeOfParallelism = pipelines, CancellationToken = ct }, _ =>
        {
            int n = ReadAll(video, recognizer, ct).GetAwaiter().GetResult();
            Interlocked.Add(ref frames, n);
        });
        double seconds = sw.Elapsed.TotalSeconds;
        double fps = frames / seconds;
        return new ThroughputRow($"{pipelines} pipeline(s) x {Math.Max(1, 2 / pipelines)} thread(s)", frames, seconds, fps, fps / 10);
    }

    private static async Task<int> ReadAll(string video, PlateRecognizer recognizer, CancellationToken ct)
    {
        var tracker = new PlateTracker(new TrackerOptions());
        var t0 = DateTimeOffset.UtcNow;
        int n = 0;
        var reader = FfmpegReader.Start(video, isStream: false, Fps, null);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.NextAsync(TimeSpan.FromMinutes(1), ct).ConfigureAwait(false) is { } frame)
            {
                using (frame)
                {
                    var result = recognizer.Recognize(new ImagePixels(frame.Pixels, frame.Width, frame.Height, PixelFormat.Bgr24), null, ct);
                    var time = t0 + TimeSpan.FromSeconds(frame.Pts);
                    tracker.Observe(time, [.. result.Plates.Select(p => new PlateObservation(time, p.Text, p.Confidence, p.CharacterConfidences, p.Region, SourceContext.BoxOf(p.Corners)))]);
                    n++;
                }
            }
        }
        return n;
    }

    private static async Task<LiveResult> LiveAsync(string dir, string video, List<string> cars, Settings settings, CancellationToken ct)
    {
        string data = Path.Combine(dir, "server");
        string key;
        await using (var dd = DataDirectory.Open(data, new AccountOptions()))
        {
            var admin = new AccountAdmin(dd.Accounts, dd.Audit, new Principal("bench", "", Roles.Admin), "bench");
            await admin.CreateAgencyAsync("bench-pd", "Bench PD", ct).ConfigureAwait(false);
            key = (await admin.CreateCameraKeyAsync("bench-pd", "bench-cam", ct).ConfigureAwait(false)).Key;
        }
        await using var app = PlatewatchServer.Build(new Platewatch.Server.Hosting.ServeSettings(data, ["http://127.0.0.1:0"])
        {
            Logging = l => l.ClearProviders(),
        });
        await app.StartAsync(ct).ConfigureAwait(false);
        var server = new Uri(app.Urls.First() + "/");

        int port;
        using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        }
        string url = $"http://127.0.0.1:{port}/live.ts";
        var options = new AgentOptions
        {
            DataDirectory = Path.Combine(dir, "agent"),
            AgencyId = "bench-pd",
            ServerUrl = server,
            ModelsDirectory = settings.Models,
            Regions = ["us"],
            Heartbeat = TimeSpan.FromHours(1),
            Sources =
            [
                new SourceOptions
                {
                    Name = "bench", Kind = SourceKind.Stream, Location = url, CameraId = "bench-cam", ApiKey = key, SampleFps = settings.SampleFps,
                    Position = new PositionOptions { Latitude = 47.6, Longitude = -122.3 },
                },
            ],
        };
        var delays = new List<long>();
        var counters = new AgentCounters { OnAck = d => { lock (delays) delays.Add(d); } };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var log = new StringWriter(CultureInfo.InvariantCulture);
        var agent = EdgeAgent.RunAsync(options, TextWriter.Synchronized(log), exitWhenDone: false, stop.Token, counters);

        var psi = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
        foreach (string a in new[] { "-hide_banner", "-loglevel", "error", "-re", "-i", video, "-c", "copy", "-f", "mpegts", "-listen", "1", url }) psi.ArgumentList.Add(a);
        using (var camera = Process.Start(psi)!)
        {
            _ = camera.StandardError.ReadToEndAsync(ct);
            await camera.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        // The stream is over: the frames still in hand are read, the last passes close, then the queue drains.
        for (long seen = -1; seen != counters.Frames;)
        {
            seen = counters.Frames;
            await Task.Delay(TimeSpan.FromSeconds(3), ct).ConfigureAwait(false);
        }
        for (int i = 0; i < 100 && counters.DeliveredTotal < counters.Reads; i++) await Task.Delay(100, ct).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await agent.ConfigureAwait(false);

        var plates = new List<string>();
        foreach (string line in File.ReadLines(Path.Combine(options.DataDirectory, "passes.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            plates.Add(doc.RootElement.GetProperty("plate").GetString() ?? "");
        }
        var expected = new HashSet<string>(cars, StringComparer.Ordinal);
        long[] d;
        lock (delays) d = [.. delays.Order()];
        double P(double q) => d.Length == 0 ? 0 : d[Math.Min(d.Length - 1, (int)(q * d.Length))];
        return new LiveResult(cars.Count, (int)counters.DeliveredTotal, plates.Distinct(StringComparer.Ordinal).Count(expected.Contains),
            counters.DeliveredTotal / (settings.Seconds / 60.0), P(0.5), P(0.95), d.Length == 0 ? 0 : d[^1], settings.SampleFps,
            counters.Processed, counters.FramesDropped);
    }

    /// <summary>Two lanes, a car every 0.5 s alternating between them, each crossing in 2 s; returns the plates in order.</summary>
    private static async Task<List<string>> RenderAsync(string path, int seconds, CancellationToken ct)
    {
        using var plates = PlateRenderer.CreateDefault();
        var scene = new SceneRenderer(plates);
        var rng = new Random(11);
        var cars = new List<(string Plate, double Enter, int Lane)>();
        for (double t = 0.2; t + Crossing < seconds; t += CarEvery)
            cars.Add(($"{(char)('A' + rng.Next(26))}{(char)('A' + rng.Next(26))}{(char)('A' + rng.Next(26))}{rng.Next(1000, 9999)}", t, cars.Count % 2));
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[]
        {
            "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgra", "-s", $"{Width}x{Height}", "-r", "10", "-i", "pipe:0",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-pix_fmt", "yuv420p", "-g", "10", path,
        }) psi.ArgumentList.Add(a);
        using var ffmpeg = Process.Start(psi) ?? throw new InvalidOperationException("ffmpeg did not start: install it (apt-get install ffmpeg).");
        var errors = ffmpeg.StandardError.ReadToEndAsync(ct);
        int plateWidth = Width / 8;
        for (int i = 0; i < seconds * Fps; i++)
        {
            double t = (double)i / Fps;
            var placed = new List<PlacedPlate>();
            foreach (var car in cars)
            {
                double f = (t - car.Enter) / Crossing;
                if (f is < 0 or > 1) continue;
                float x = (float)(plateWidth * 1.3 + f * (Width - plateWidth * 3.6));
                var spec = new PlateSpec { Text = car.Plate, TopText = "OHIO", Width = plateWidth, Seed = car.Plate.GetHashCode(StringComparison.Ordinal) };
                placed.Add(new PlacedPlate(spec, x, car.Lane == 0 ? Height * 0.42f : Height * 0.78f));
            }
            using var bmp = scene.Render(Width, Height, placed, seed: 5);
            await ffmpeg.StandardInput.BaseStream.WriteAsync(bmp.GetPixelSpan().ToArray(), ct).ConfigureAwait(false);
        }
        ffmpeg.StandardInput.Close();
        await ffmpeg.WaitForExitAsync(ct).ConfigureAwait(false);
        if (ffmpeg.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not encode the benchmark video: {await errors.ConfigureAwait(false)}");
        return [.. cars.Select(c => c.Plate)];
    }

    private static void Say(string s) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(s)}[/]");

    private static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
}
