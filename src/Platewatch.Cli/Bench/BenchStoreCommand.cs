using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Platewatch.Audit;
using Platewatch.Cli.Workspace;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Query;
using Platewatch.Reads;
using Platewatch.Simulation;
using Platewatch.Storage.DuckDb;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Bench;

internal sealed class BenchStoreSettings : CommandSettings
{
    [CommandOption("--reads <N>")]
    [Description("Reads to generate and store (default 1000000).")]
    public long Reads { get; init; } = 1_000_000;

    [CommandOption("--days <N>")]
    [Description("Days the reads span (default 90).")]
    public int Days { get; init; } = 90;

    [CommandOption("--runs <N>")]
    [Description("Timed runs of each query, after 3 warm-up runs (default 25).")]
    public int Runs { get; init; } = 25;

    [CommandOption("--dir <DIR>")]
    [Description("Where to build the store (default: a fresh folder under the system temp directory, deleted afterwards).")]
    public string? Dir { get; init; }

    [CommandOption("--keep")]
    [Description("Keep the store afterwards.")]
    public bool Keep { get; init; }

    [CommandOption("--row-group-size <N>")]
    [Description("DuckDB rows per row group (a multiple of 2048; default: the store's).")]
    public int? RowGroupSize { get; init; }

    [CommandOption("--out <FILE>")]
    [Description("JSON results file (default bench-store.json).")]
    public string Out { get; init; } = "bench-store.json";

    public override ValidationResult Validate() =>
        Reads < 1000 ? ValidationResult.Error("--reads must be at least 1000.")
        : Days is < 31 or > 400 ? ValidationResult.Error("--days must be 31 to 400: the benchmark purges one whole month.")
        : Runs is < 3 or > 10_000 ? ValidationResult.Error("--runs must be 3 to 10000.")
        : RowGroupSize is { } g && (g < 2048 || g % 2048 != 0) ? ValidationResult.Error("--row-group-size must be a positive multiple of 2048.")
        : ValidationResult.Success();
}

internal sealed record QueryTiming(string Name, string Description, double MedianMs, double P99Ms, double MeanRows);

internal sealed record StoreBenchResult(
    long Reads, int Days, int Vehicles, int Cameras, double IngestReadsPerSecond, double IngestWithCompactionReadsPerSecond,
    double CompactionSeconds, double BytesPerRead, long BytesOnDisk, IReadOnlyList<QueryTiming> Queries, long PurgedReads, double PurgeSeconds,
    string Machine, DateTimeOffset At);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(StoreBenchResult))]
internal sealed partial class BenchJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>
/// <c>platewatch bench store</c>: builds a store of N simulated reads, then times ingest (store time only,
/// generation excluded), compaction, every query kind through the audited query service, and a one-month purge.
/// </summary>
internal sealed class BenchStoreCommand(IAnsiConsole console) : AsyncCommand<BenchStoreSettings>
{
    private static readonly AccessPurpose Why = new("other-felony", "BENCH-1", "store benchmark");

    public override async Task<int> ExecuteAsync(CommandContext context, BenchStoreSettings s, CancellationToken cancellationToken)
    {
        string dir = s.Dir ?? Path.Combine(Path.GetTempPath(), "platewatch-bench-" + Guid.NewGuid().ToString("N")[..8]);
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            throw new IOException($"{dir} is not empty: the benchmark needs a fresh directory.");
        try
        {
            var result = await RunAsync(s, dir, cancellationToken).ConfigureAwait(false);
            Report(result);
            await File.WriteAllTextAsync(s.Out, JsonSerializer.Serialize(result, BenchJsonContext.Default.StoreBenchResult), cancellationToken).ConfigureAwait(false);
            console.MarkupLine($"[grey]Results written to {Markup.Escape(Path.GetFullPath(s.Out))}.[/]");
            return 0;
        }
        finally
        {
            if (!s.Keep && s.Dir is null && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private async Task<StoreBenchResult> RunAsync(BenchStoreSettings s, string dir, CancellationToken ct)
    {
        // The month boundary matters: starting on the 1st lets "purge one month" drop a whole month.
        var start = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var options = ScaledCity(s.Reads, s.Days, start);
        var sim = new CitySimulator(options);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"City: {options.Vehicles:N0} vehicles, {sim.City.Cameras.Count:N0} cameras, {s.Days} days from {start:yyyy-MM-dd}; target {s.Reads:N0} reads."));

        var storeOptions = new DuckDbStoreOptions();
        if (s.RowGroupSize is { } rowGroup) storeOptions = storeOptions with { RowGroupSize = rowGroup };
        var store = DuckDbReadStore.Open(Path.Combine(dir, "store"), storeOptions);
        using var audit = new FileAuditLog(Path.Combine(dir, "audit"));
        long stored = 0;
        double storeSeconds = 0;
        var ingestClock = Stopwatch.StartNew();
        var sample = new SampleReads();
        try
        {
            await new ProgressDisplay(console).RunAsync("ingest", "reads", s.Reads, async report =>
            {
                foreach (var batch in sim.Generate(100_000))
                {
                    IReadOnlyList<PlateRead> take = stored + batch.Count > s.Reads ? batch.Take((int)(s.Reads - stored)).ToList() : batch;
                    sample.Observe(take);
                    var sw = Stopwatch.StartNew();
                    var r = await store.AppendAsync(take, ct).ConfigureAwait(false);
                    storeSeconds += sw.Elapsed.TotalSeconds;
                    stored += r.Added;
                    report(stored);
                    if (stored >= s.Reads) break;
                }
                return 0;
            }).ConfigureAwait(false);
            var compactClock = Stopwatch.StartNew();
            await store.CompactAllAsync(ct).ConfigureAwait(false);
            double compactSeconds = compactClock.Elapsed.TotalSeconds;
            double withCompaction = storeSeconds + compactSeconds;
            var stats = await store.GetStatsAsync(ct).ConfigureAwait(false);
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Stored {stored:N0} reads: {stored / storeSeconds:N0} reads/s (store time), final compaction {compactSeconds:F1} s, {stats.BytesPerRead:F1} B/read on disk. Wall time {ingestClock.Elapsed.TotalSeconds:F0} s including generation."));

            var policy = DataPolicy.DefaultFor(options.AgencyId) with { RetentionDays = 100_000 };
            var transit = options.TransitAgencyId is { } t ? [DataPolicy.DefaultFor(t) with { RetentionDays = 100_000, SharingPartners = [options.AgencyId] }] : Array.Empty<DataPolicy>();
            var service = new ReadQueryService(store, audit, [policy, .. transit]);
            var who = new Principal("bench", options.AgencyId, "investigator");
            // Queries look back from the newest read, wherever the simulated reads ended.
            var end = (stats.Newest ?? start.AddDays(s.Days)).AddMilliseconds(1);
            var queries = new List<QueryTiming>();
            var rng = new Random(7);

            Task<ReadPage> Run(ReadQuery q) => service.SearchAsync(who, Why, q, "bench", ct);

            queries.Add(await TimeAsync("plate history", "one plate, 90 days, exact", s.Runs, () =>
                Run(new ReadQuery { Range = new TimeRange(end.AddDays(-90), end), Plate = PlatePattern.Exact(sample.FrequentPlate(rng)), Limit = 10_000 })).ConfigureAwait(false));
            queries.Add(await TimeAsync("wildcard", "'AB?12*'-style pattern, 30 days", s.Runs, () =>
                Run(new ReadQuery { Range = new TimeRange(end.AddDays(-30), end), Plate = PlatePattern.Wildcard(sample.WildcardFor(rng)), Limit = 10_000 })).ConfigureAwait(false));
            queries.Add(await TimeAsync("misread-tolerant", "look-alikes + 1 edit, 30 days", Math.Max(3, s.Runs / 5), () =>
                Run(new ReadQuery { Range = new TimeRange(end.AddDays(-30), end), Plate = PlatePattern.Fuzzy(sample.FrequentPlate(rng), 1), Limit = 10_000 })).ConfigureAwait(false));
            queries.Add(await TimeAsync("radius", "500 m around a camera, 1 hour", s.Runs, () =>
            {
                var (at, where) = sample.Place(rng);
                return Run(new ReadQuery { Range = new TimeRange(at.AddMinutes(-30), at.AddMinutes(30)), Area = new RadiusArea(where, 500), Limit = 100_000 });
            }).ConfigureAwait(false));
            queries.Add(await TimeAsync("camera", "one camera, 1 day", s.Runs, () =>
            {
                var (at, camera) = sample.CameraAt(rng);
                return Run(new ReadQuery { Range = new TimeRange(at.AddHours(-12), at.AddHours(12)), Cameras = [camera], Limit = 100_000 });
            }).ConfigureAwait(false));

            var purgeClock = Stopwatch.StartNew();
            long purged = await service.PurgeAsync(who with { Role = "admin" }, start.AddMonths(1), "bench", ct).ConfigureAwait(false);
            double purgeSeconds = purgeClock.Elapsed.TotalSeconds;

            return new StoreBenchResult(stored, s.Days, options.Vehicles, sim.City.Cameras.Count, stored / storeSeconds, stored / withCompaction,
                compactSeconds, stats.BytesPerRead, stats.BytesOnDisk, queries, purged, purgeSeconds,
                $"{Environment.ProcessorCount} cores, {Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1073741824.0)} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
                DateTimeOffset.UtcNow);
        }
        finally
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A city sized so that <paramref name="reads"/> reads span <paramref name="days"/> days. Reads per vehicle
    /// depend on camera density, so the size is refined against the simulator's own estimate.</summary>
    internal static SimulationOptions ScaledCity(long reads, int days, DateTimeOffset start)
    {
        // Camera density, not vehicle count, sets how often a vehicle is read: keep it near a real city's
        // (a few reads per vehicle per day) and let the number of vehicles carry the volume.
        int cameras = (int)Math.Clamp(reads / 1_000_000, 60, 240);
        var options = new SimulationOptions
        {
            Vehicles = 2000, Days = days, Start = start, FixedCameras = cameras, MobileCameras = Math.Clamp(cameras / 10, 6, 24),
        };
        for (int i = 0; i < 3; i++)
        {
            double perVehicle = new CitySimulator(options).EstimateReads() / (double)options.Vehicles;
            int vehicles = (int)Math.Clamp(Math.Ceiling(reads / perVehicle * 1.01), 200, 5_000_000);
            if (Math.Abs(vehicles - options.Vehicles) < options.Vehicles * 0.02) break;
            options = options with { Vehicles = vehicles };
        }
        return options;
    }

    private static async Task<QueryTiming> TimeAsync(string name, string description, int runs, Func<Task<ReadPage>> query)
    {
        for (int i = 0; i < 3; i++) await query().ConfigureAwait(false);
        var ms = new double[runs];
        double rows = 0;
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            var page = await query().ConfigureAwait(false);
            ms[i] = sw.Elapsed.TotalMilliseconds;
            rows += page.Reads.Length;
        }
        Array.Sort(ms);
        return new QueryTiming(name, description, ms[runs / 2], ms[Math.Min(runs - 1, (int)Math.Ceiling(runs * 0.99) - 1)], rows / runs);
    }

    private void Report(StoreBenchResult r)
    {
        var t = new Table().Border(TableBorder.Rounded).Title($"bench store: {r.Reads:N0} reads, {r.Days} days")
            .AddColumn("measure").AddColumn(new TableColumn("median").RightAligned()).AddColumn(new TableColumn("p99").RightAligned()).AddColumn(new TableColumn("rows").RightAligned());
        var inv = CultureInfo.InvariantCulture;
        t.AddRow("ingest (store time)", r.IngestReadsPerSecond.ToString("N0", inv) + " reads/s", "", "");
        t.AddRow("ingest incl. final compaction", r.IngestWithCompactionReadsPerSecond.ToString("N0", inv) + " reads/s", "", "");
        t.AddRow("bytes per read on disk", r.BytesPerRead.ToString("F1", inv), "", "");
        foreach (var q in r.Queries)
            t.AddRow($"{q.Name} ({q.Description})", q.MedianMs.ToString("F1", inv) + " ms", q.P99Ms.ToString("F1", inv) + " ms", q.MeanRows.ToString("F0", inv));
        t.AddRow("purge one month", r.PurgeSeconds.ToString("F2", inv) + " s", "", r.PurgedReads.ToString("N0", inv));
        console.Write(t);
    }

    /// <summary>Remembers a spread of real plates, places and cameras while ingesting, so queries ask for things that exist.</summary>
    private sealed class SampleReads
    {
        private readonly List<string> _plates = [];
        private readonly List<(DateTimeOffset At, GeoPoint Where, string Camera)> _places = [];
        private long _seen;

        public void Observe(IReadOnlyList<PlateRead> batch)
        {
            foreach (var r in batch)
            {
                // Every 997th read, up to 200,000: a cheap, even sample across the period (the whole of it up to 200M reads).
                if (++_seen % 997 != 0) continue;
                if (_places.Count >= 200_000) continue;
                _plates.Add(r.Plate);
                _places.Add((r.CapturedAt, r.Location, r.CameraId));
            }
        }

        /// <summary>The plate of a random read: plates come up as often as they are read, as in real lookups.</summary>
        public string FrequentPlate(Random rng) => _plates[rng.Next(_plates.Count)];

        public string WildcardFor(Random rng)
        {
            string p = FrequentPlate(rng);
            return p.Length >= 5 ? $"{p[..2]}?{p[3..5]}*" : p[..2] + "*";
        }

        public (DateTimeOffset, GeoPoint) Place(Random rng)
        {
            var p = _places[rng.Next(_places.Count)];
            return (p.At, p.Where);
        }

        public (DateTimeOffset, string) CameraAt(Random rng)
        {
            var p = _places[rng.Next(_places.Count)];
            return (p.At, p.Camera);
        }
    }
}
