using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Platewatch.Cli.Workspace;
using Platewatch.Query;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Bench;

internal sealed class BenchIngestSettings : CommandSettings
{
    [CommandOption("--url <URL>")]
    [Description("A running server to load (with --key). Default: start 'platewatch serve' in a separate process on a fresh temporary data directory.")]
    public string? Url { get; init; }

    [CommandOption("--key <KEY>")]
    [Description("Camera API key for --url (default: $PLATEWATCH_CAMERA_KEY).")]
    public string? Key { get; init; }

    [CommandOption("--batches <LIST>")]
    [Description("Batch sizes to measure, comma-separated (default 1,100,1000).")]
    public string Batches { get; init; } = "1,100,1000";

    [CommandOption("--reads <N>")]
    [Description("Reads sent per batch size of 100 or more (default 300000); batch size 1 sends a tenth of it.")]
    public int Reads { get; init; } = 300_000;

    [CommandOption("--concurrency <N>")]
    [Description("Requests in flight at once (default 8).")]
    public int Concurrency { get; init; } = 8;

    [CommandOption("--out <FILE>")]
    [Description("JSON results file (default bench-ingest.json).")]
    public string Out { get; init; } = "bench-ingest.json";

    public override ValidationResult Validate() =>
        Reads is < 1000 or > 10_000_000 ? ValidationResult.Error("--reads must be 1000 to 10000000.")
        : Concurrency is < 1 or > 256 ? ValidationResult.Error("--concurrency must be 1 to 256.")
        : ValidationResult.Success();
}

internal sealed record IngestRun(int BatchSize, int Requests, long ReadsAcknowledged, int Throttled, double Seconds, double ReadsPerSecond, double P50Ms, double P99Ms);

internal sealed record IngestBenchResult(string Target, int Concurrency, string Machine, IReadOnlyList<IngestRun> Runs);

/// <summary>
/// <c>platewatch bench ingest</c>: sustained HTTP ingest on loopback, in reads per second, with the p50 and p99
/// time from sending a batch to its acknowledgement (which follows the durable commit). Request bodies are
/// built before the clock starts, so the client measures the server, not its own JSON writing.
/// </summary>
internal sealed class BenchIngestCommand(IAnsiConsole console) : AsyncCommand<BenchIngestSettings>
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public override async Task<int> ExecuteAsync(CommandContext context, BenchIngestSettings settings, CancellationToken cancellationToken)
    {
        int[] sizes = [.. settings.Batches.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 5000 ? n
                : throw new ArgumentException($"--batches: '{s}' is not a batch size from 1 to 5000."))];
        Process? server = null;
        string? tempDir = null;
        string url, key;
        if (settings.Url is not null)
        {
            url = settings.Url.TrimEnd('/');
            key = settings.Key ?? Environment.GetEnvironmentVariable("PLATEWATCH_CAMERA_KEY")
                ?? throw new ArgumentException("--url needs the camera key to send with: --key or $PLATEWATCH_CAMERA_KEY.");
        }
        else
        {
            tempDir = Path.Combine(Path.GetTempPath(), "pw-bench-ingest-" + Guid.NewGuid().ToString("N"));
            key = await BootstrapAsync(tempDir, cancellationToken).ConfigureAwait(false);
            int port = Workspace.Loopback.FreePort();
            url = $"http://127.0.0.1:{port}";
            server = StartServer(tempDir, url);
            console.MarkupLine($"[grey]Started platewatch serve (pid {server.Id}) on {url} over {Markup.Escape(tempDir)}.[/]");
        }

        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
            {
                BaseAddress = new Uri(url),
                Timeout = TimeSpan.FromMinutes(2),
            };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            await WaitReadyAsync(http, server, cancellationToken).ConfigureAwait(false);

            // Warm-up, not timed: JIT, connection set-up and the first day's table would otherwise land on whichever batch size runs first.
            await RunAsync(http, BuildBodies(100, 100), 100, settings.Concurrency, cancellationToken).ConfigureAwait(false);
            var runs = new List<IngestRun>();
            foreach (int size in sizes)
            {
                int reads = size == 1 ? settings.Reads / 10 : settings.Reads;
                int requests = Math.Max(1, reads / size);
                var bodies = BuildBodies(requests, size);
                var run = await RunAsync(http, bodies, size, settings.Concurrency, cancellationToken).ConfigureAwait(false);
                runs.Add(run);
                console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"batch {size,5}: [green]{run.ReadsPerSecond,10:N0}[/] reads/s, p50 {run.P50Ms:F1} ms, p99 {run.P99Ms:F1} ms ({run.Requests:N0} requests, {run.Throttled} throttled)"));
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumn("batch").AddColumn(new TableColumn("reads/s").RightAligned())
                .AddColumn(new TableColumn("p50 ms").RightAligned()).AddColumn(new TableColumn("p99 ms").RightAligned()).AddColumn(new TableColumn("requests").RightAligned()).AddColumn(new TableColumn("429s").RightAligned());
            foreach (var r in runs)
            {
                table.AddRow(r.BatchSize.ToString(CultureInfo.InvariantCulture), r.ReadsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                    r.P50Ms.ToString("F1", CultureInfo.InvariantCulture), r.P99Ms.ToString("F1", CultureInfo.InvariantCulture),
                    r.Requests.ToString("N0", CultureInfo.InvariantCulture), r.Throttled.ToString(CultureInfo.InvariantCulture));
            }
            console.Write(table);
            var result = new IngestBenchResult(settings.Url is null ? "platewatch serve, separate process, fresh data directory" : url, settings.Concurrency,
                $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB", runs);
            await File.WriteAllTextAsync(settings.Out, JsonSerializer.Serialize(result, Indented), cancellationToken).ConfigureAwait(false);
            console.MarkupLine($"[grey]Results written to {Markup.Escape(settings.Out)}.[/]");
            return 0;
        }
        finally
        {
            if (server is not null)
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                server.Dispose();
            }
            if (tempDir is not null)
            {
                try { Directory.Delete(tempDir, recursive: true); } catch (IOException) { }
            }
        }
    }

    private static async Task<IngestRun> RunAsync(HttpClient http, byte[][] bodies, int size, int concurrency, CancellationToken cancellationToken)
    {
        var latencies = new double[bodies.Length];
        int next = -1;
        long acknowledged = 0;
        int throttled = 0;
        long start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Length)
            {
                while (true)
                {
                    using var content = new ByteArrayContent(bodies[i]);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    long sent = Stopwatch.GetTimestamp();
                    using var response = await http.PostAsync("/api/v1/reads", content, cancellationToken).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.Increment(ref throttled);
                        await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The server answered {(int)response.StatusCode}: {body[..Math.Min(300, body.Length)]}");
                    Interlocked.Add(ref acknowledged, size);
                    break;
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(latencies);
        return new IngestRun(size, bodies.Length, acknowledged, throttled, seconds, acknowledged / seconds,
            latencies[(int)(0.50 * (latencies.Length - 1))], latencies[(int)(0.99 * (latencies.Length - 1))]);
    }

    /// <summary>Distinct plates, fresh ids, times in the last hour: what a city's cameras send.</summary>
    private static byte[][] BuildBodies(int requests, int size)
    {
        var random = new Random(requests * 31 + size);
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        var bodies = new byte[requests][];
        var sb = new StringBuilder(size * 200);
        const string letters = "ABCDEFGHJKLMNPRSTUVWXYZ";
        for (int r = 0; r < requests; r++)
        {
            sb.Clear().Append('[');
            for (int i = 0; i < size; i++)
            {
                var at = now.AddMilliseconds(-random.Next(3_600_000));
                string plate = string.Create(CultureInfo.InvariantCulture,
                    $"{letters[random.Next(letters.Length)]}{letters[random.Next(letters.Length)]}{letters[random.Next(letters.Length)]}{random.Next(10000):D4}");
                if (i > 0) sb.Append(',');
                sb.Append(CultureInfo.InvariantCulture,
                    $"{{\"id\":\"{Guid.CreateVersion7(at)}\",\"plate\":\"{plate}\",\"confidence\":{0.7 + (random.NextDouble() * 0.3):F3},\"capturedAt\":\"{at.UtcDateTime:O}\",\"location\":{{\"lat\":{47.5 + (random.NextDouble() * 0.2):F6},\"lon\":{-122.4 + (random.NextDouble() * 0.2):F6}}}}}");
            }
            sb.Append(']');
            bodies[r] = Encoding.UTF8.GetBytes(sb.ToString());
        }
        return bodies;
    }

    private static async Task<string> BootstrapAsync(string dir, CancellationToken cancellationToken)
    {
        await using var data = DataDirectory.Open(dir, new AccountOptions());
        var admin = new AccountAdmin(data.Accounts, data.Audit, new Principal("bench", "", "admin"), "bench");
        await admin.CreateAgencyAsync("bench-pd", "Bench PD", cancellationToken).ConfigureAwait(false);
        return (await admin.CreateCameraKeyAsync("bench-pd", "bench-cam", cancellationToken).ConfigureAwait(false)).Key;
    }

    private static Process StartServer(string dir, string url)
    {
        string exe = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable is running to start the server.");
        var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // Run as 'dotnet platewatch.dll' or as the apphost: either way the same build serves.
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet") psi.ArgumentList.Add(typeof(BenchIngestCommand).Assembly.Location);
        foreach (string a in new[] { "serve", "--data", dir, "--urls", url }) psi.ArgumentList.Add(a);
        psi.Environment["PLATEWATCH_Limits__MaxConcurrentIngest"] = "8";
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task WaitReadyAsync(HttpClient http, Process? server, CancellationToken cancellationToken)
    {
        for (int i = 0; i < 600; i++)
        {
            try
            {
                if ((await http.GetAsync("/health/ready", cancellationToken).ConfigureAwait(false)).IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException or IOException)
            {
            }
            if (server is { HasExited: true }) throw new InvalidOperationException("The server exited during start-up.");
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException("The server did not become ready within 60 s.");
    }

}
