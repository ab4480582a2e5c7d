using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platewatch.Query;
using Platewatch.Server.Accounts;
using Platewatch.Server.Alerts;
using Platewatch.Server.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Alerts;

internal sealed class BenchAlertsSettings : CommandSettings
{
    [CommandOption("--entries <N>")]
    [Description("Hotlist entries (default 1000000).")]
    public int Entries { get; init; } = 1_000_000;

    [CommandOption("--ingest-rate <N>")]
    [Description("Background reads per second, none of them hits (default 5000).")]
    public int IngestRate { get; init; } = 5000;

    [CommandOption("--hits <N>")]
    [Description("Timed hits, one every 50 ms, each a one-read request (default 400).")]
    public int Hits { get; init; } = 400;

    [CommandOption("--out <FILE>")]
    public string Out { get; init; } = "bench-alerts.json";

    public override ValidationResult Validate() =>
        Entries is < 1 or > 10_000_000 ? ValidationResult.Error("--entries must be 1 to 10000000.")
        : IngestRate is < 0 or > 100_000 ? ValidationResult.Error("--ingest-rate must be 0 to 100000.")
        : Hits is < 10 or > 100_000 ? ValidationResult.Error("--hits must be 10 to 100000.")
        : ValidationResult.Success();
}

internal sealed record LatencyStats(string Path, int Count, double P50Ms, double P99Ms, double MaxMs);

internal sealed record AlertBenchResult(int Entries, int IngestRate, double BackgroundReadsPerSecond, int Hits, double IndexSeconds, IReadOnlyList<LatencyStats> Latencies, string Machine, DateTimeOffset At);

/// <summary>
/// <c>platewatch bench alerts</c>: a real server over a fresh data directory with N hotlist entries, a webhook
/// receiver and a live-feed client on 127.0.0.1, background ingest at a steady rate, and hits sent one per request;
/// reports the time from each hit's ingest acknowledgement to its arrival on the webhook and on the feed.
/// </summary>
internal sealed class BenchAlertsCommand(IAnsiConsole console) : AsyncCommand<BenchAlertsSettings>
{
    private static readonly JsonSerializerOptions OutJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private const string Password = "bench-password-123";
    // Letters in no look-alike class: background plates are 3+ edits from every entry, so they never hit.
    private const string Plain = "CEFHKNPRUVXY";


    public override async Task<int> ExecuteAsync(CommandContext context, BenchAlertsSettings s, CancellationToken cancellationToken)
    {
        string dir = Path.Combine(Path.GetTempPath(), "platewatch-bench-alerts-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            return await RunAsync(dir, s, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private async Task<int> RunAsync(string dir, BenchAlertsSettings s, CancellationToken cancellationToken)
    {
        var rng = new Random(11);
        string cameraKey;
        var hitPlates = new List<string>();
        console.MarkupLine($"Loading {s.Entries:N0} hotlist entries...");
        await using (var data = DataDirectory.Open(dir, new AccountOptions { PasswordIterations = 1000 }))
        {
            var admin = new AccountAdmin(data.Accounts, data.Audit, new Principal("bench", "", Roles.Admin), "bench");
            await admin.CreateAgencyAsync("pd", "PD", cancellationToken).ConfigureAwait(false);
            await admin.CreateUserAsync("pd", "sup", Roles.Supervisor, Password, cancellationToken).ConfigureAwait(false);
            await admin.CreateUserAsync("pd", "inv", Roles.Investigator, Password, cancellationToken).ConfigureAwait(false);
            cameraKey = (await admin.CreateCameraKeyAsync("pd", "cam-1", cancellationToken).ConfigureAwait(false)).Key;
            using var hotlists = new HotlistService(new AlertStore(data.Path), data.Audit, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<HotlistService>.Instance);
            var who = new Principal("bench", "pd", Roles.Supervisor);
            var list = await hotlists.CreateAsync(who, "bench", "bench", TimeSpan.FromDays(1), "bench", cancellationToken).ConfigureAwait(false);
            var plates = new HashSet<string>(StringComparer.Ordinal);
            while (plates.Count < s.Entries) plates.Add(BenchMatchCommand.Plate(rng));
            var csv = new StringBuilder("plate,region,category,reason,case_number\n");
            foreach (string p in plates) csv.Append(p).Append(",US-WA,stolen-vehicle,bench,B-1\n");
            await hotlists.ImportAsync(who, list, "csv", new StringReader(csv.ToString()), null, "bench", cancellationToken).ConfigureAwait(false);
            hitPlates.AddRange(plates.Take(s.Hits));
        }

        var sw = Stopwatch.StartNew();
        var app = PlatewatchServer.Build(new Platewatch.Server.Hosting.ServeSettings(dir, ["http://127.0.0.1:0"]) { Logging = l => l.SetMinimumLevel(LogLevel.Warning) });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        double indexSeconds = sw.Elapsed.TotalSeconds;
        await using var server = app.ConfigureAwait(false);
        var baseUri = new Uri(app.Urls.First());
        using var http = new HttpClient { BaseAddress = baseUri };
        async Task<HttpClient> SignIn(string user)
        {
            var t = await (await http.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password = Password }, cancellationToken).ConfigureAwait(false))
                .Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
            var c = new HttpClient { BaseAddress = baseUri, Timeout = Timeout.InfiniteTimeSpan };
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", t.GetProperty("accessToken").GetString());
            return c;
        }
        using var sup = await SignIn("sup").ConfigureAwait(false);
        using var inv = await SignIn("inv").ConfigureAwait(false);

        var webhookAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var feedAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        int hookPort = Workspace.Loopback.FreePort();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{hookPort}/hook/");
        receiver.Start();
        _ = Task.Run(async () =>
        {
            while (receiver.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await receiver.GetContextAsync().ConfigureAwait(false); } catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { return; }
                long now = Stopwatch.GetTimestamp();
                using var doc = await JsonDocument.ParseAsync(ctx.Request.InputStream).ConfigureAwait(false);
                webhookAt.TryAdd(doc.RootElement.GetProperty("read").GetProperty("plate").GetString()!, now);
                ctx.Response.StatusCode = 200;
                ctx.Response.Close();
            }
        }, cancellationToken);
        (await sup.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "webhook", target = $"http://127.0.0.1:{hookPort}/hook/" }, cancellationToken).ConfigureAwait(false)).EnsureSuccessStatusCode();

        using var feedCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var feed = await inv.GetAsync("/api/v1/alerts/feed", HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var feedReader = new StreamReader(await feed.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        var feedTask = Task.Run(async () =>
        {
            try
            {
                while (await feedReader.ReadLineAsync(feedCts.Token).ConfigureAwait(false) is { } line)
                {
                    if (!line.StartsWith("data: {\"id\"", StringComparison.Ordinal)) continue;
                    long now = Stopwatch.GetTimestamp();
                    using var doc = JsonDocument.Parse(line.AsMemory(6));
                    feedAt.TryAdd(doc.RootElement.GetProperty("read").GetProperty("plate").GetString()!, now);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, cancellationToken);

        using var camera = new HttpClient { BaseAddress = baseUri };
        camera.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cameraKey);
        static Dictionary<string, object> Read(string plate) => new()
        {
            ["id"] = Guid.CreateVersion7().ToString(), ["plate"] = plate, ["region"] = "US-WA", ["confidence"] = 0.9,
            ["capturedAt"] = DateTime.UtcNow.AddMilliseconds(-100).ToString("O", CultureInfo.InvariantCulture),
            ["location"] = new Dictionary<string, double> { ["lat"] = 47.6, ["lon"] = -122.3 }, ["cameraId"] = "cam-1", ["agencyId"] = "pd",
        };

        // Background: one batch every 10 ms per sender, a sender per 1,000 reads/s, so one slow request does not stall the rate.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long background = 0;
        int senders = Math.Max(1, (int)Math.Ceiling(s.IngestRate / 1000.0));
        var bgRng = new Random(5);
        var ingest = Enumerable.Range(0, s.IngestRate == 0 ? 0 : senders).Select(i => Task.Run(async () =>
        {
            var r = new Random(100 + i);
            int perTick = Math.Max(1, s.IngestRate / senders / 100);
            var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            try
            {
                while (await tick.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    var batch = Enumerable.Range(0, perTick).Select(_ => Read(new string([.. Enumerable.Range(0, 7).Select(_ => Plain[r.Next(Plain.Length)])]))).ToArray();
                    var resp = await camera.PostAsJsonAsync("/api/v1/reads", batch, stop.Token).ConfigureAwait(false);
                    if (resp.IsSuccessStatusCode) Interlocked.Add(ref background, perTick);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, cancellationToken)).ToList();

        await Task.Delay(2000, cancellationToken).ConfigureAwait(false); // ingest settles
        long bgStart = Interlocked.Read(ref background);
        var runClock = Stopwatch.StartNew();
        var ackAt = new Dictionary<string, long>(StringComparer.Ordinal);
        console.MarkupLine($"Sending {s.Hits} hits under {s.IngestRate:N0} reads/s of background ingest...");
        var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        foreach (string plate in hitPlates)
        {
            await pace.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
            var resp = await camera.PostAsJsonAsync("/api/v1/reads", new[] { Read(plate) }, cancellationToken).ConfigureAwait(false);
            ackAt[plate] = Stopwatch.GetTimestamp();
            resp.EnsureSuccessStatusCode();
        }
        double bgRate = (Interlocked.Read(ref background) - bgStart) / runClock.Elapsed.TotalSeconds;
        for (int i = 0; i < 100 && (webhookAt.Count < hitPlates.Count || feedAt.Count < hitPlates.Count); i++) await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(ingest).ConfigureAwait(false);
        await feedCts.CancelAsync().ConfigureAwait(false);
        await feedTask.ConfigureAwait(false);
        receiver.Stop();

        // From the ack: a delivery can land before the ack reaches the camera (the alert is written first), counted as 0.
        LatencyStats Stats(string path, ConcurrentDictionary<string, long> at)
        {
            var ms = ackAt.Where(kv => at.ContainsKey(kv.Key)).Select(kv => Math.Max(0, Stopwatch.GetElapsedTime(kv.Value, at[kv.Key]).TotalMilliseconds)).Order().ToList();
            if (ms.Count == 0) return new LatencyStats(path, 0, double.NaN, double.NaN, double.NaN);
            return new LatencyStats(path, ms.Count, ms[ms.Count / 2], ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(ms.Count * 0.99) - 1)], ms[^1]);
        }
        var result = new AlertBenchResult(s.Entries, s.IngestRate, bgRate, hitPlates.Count, indexSeconds, [Stats("webhook", webhookAt), Stats("live feed (SSE)", feedAt)],
            $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB", DateTimeOffset.UtcNow);
        var table = new Table().AddColumns("path", "delivered", "p50 ms", "p99 ms", "max ms");
        foreach (var l in result.Latencies) table.AddRow(l.Path, $"{l.Count}/{hitPlates.Count}", $"{l.P50Ms:0.0}", $"{l.P99Ms:0.0}", $"{l.MaxMs:0.0}");
        console.MarkupLine($"{s.Entries:N0} entries (server start with index {indexSeconds:0.0} s); background ingest {bgRate:N0} reads/s");
        console.Write(table);
        await File.WriteAllTextAsync(s.Out, JsonSerializer.Serialize(result, OutJson), cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
