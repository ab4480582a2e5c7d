using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Platewatch.Analytics;
using Platewatch.Audit;
using Platewatch.Cli.Bench;
using Platewatch.Cli.Workspace;
using Platewatch.Geo;
using Platewatch.Query;
using Platewatch.Reads;
using Platewatch.Simulation;
using Platewatch.Storage.DuckDb;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Analytics;

internal sealed class BenchAnalyticsSettings : CommandSettings
{
    [CommandOption("--reads <N>")]
    [Description("Reads to simulate into the store (default 10,000,000).")]
    public long Reads { get; init; } = 10_000_000;

    [CommandOption("--days <N>")]
    [Description("Days the reads span (default 90).")]
    public int Days { get; init; } = 90;

    [CommandOption("--runs <N>")]
    [Description("Timed runs per analysis, each on another target (default 9).")]
    public int Runs { get; init; } = 9;

    [CommandOption("--dir <DIR>")]
    [Description("Work directory; a store and truth.json already there are reused (default: a temporary directory, deleted after).")]
    public string? Dir { get; init; }

    [CommandOption("--out <FILE>")]
    [Description("JSON results file (default bench-analytics.json).")]
    public string Out { get; init; } = "bench-analytics.json";

    public override ValidationResult Validate() =>
        Reads is < 10_000 or > 1_000_000_000 ? ValidationResult.Error("--reads must be 10,000 to 1,000,000,000.")
        : Days is < 2 or > 366 ? ValidationResult.Error("--days must be 2 to 366.")
        : Runs is < 1 or > 100 ? ValidationResult.Error("--runs must be 1 to 100.")
        : ValidationResult.Success();
}

internal sealed record AnalysisTiming(string Name, string Description, double MedianMs, double MaxMs, double MeanResults);

internal sealed record AnalyticsBenchResult(long Reads, int Days, int Vehicles, int Runs, DateTimeOffset At, IReadOnlyList<AnalysisTiming> Analyses);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(AnalyticsBenchResult))]
internal sealed partial class AnalyticsBenchJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary><c>platewatch bench analytics</c>: median time of each analysis, through the gate and its audit, on a simulated store.</summary>
internal sealed class BenchAnalyticsCommand(IAnsiConsole console) : AsyncCommand<BenchAnalyticsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, BenchAnalyticsSettings s, CancellationToken cancellationToken)
    {
        string dir = s.Dir ?? Path.Combine(Path.GetTempPath(), "pw-bench-analytics-" + Guid.NewGuid().ToString("N"));
        try
        {
            var start = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
            string truthFile = Path.Combine(dir, "truth.json");
            var store = DuckDbReadStore.Open(Path.Combine(dir, "store"));
            await using var _ = store.ConfigureAwait(false);
            GroundTruth truth;
            if (File.Exists(truthFile) && (await store.GetStatsAsync(cancellationToken).ConfigureAwait(false)).Reads > 0)
            {
                await using var fs = File.OpenRead(truthFile);
                truth = GroundTruth.ReadJson(fs);
            }
            else
            {
                var options = BenchStoreCommand.ScaledCity(s.Reads, s.Days, start);
                var sim = new CitySimulator(options);
                long stored = 0;
                await new ProgressDisplay(console).RunAsync("simulate", "reads", s.Reads, async report =>
                {
                    foreach (var batch in sim.Generate(100_000))
                    {
                        IReadOnlyList<PlateRead> take = stored + batch.Count > s.Reads ? batch.Take((int)(s.Reads - stored)).ToList() : batch;
                        stored += (await store.AppendAsync(take, cancellationToken).ConfigureAwait(false)).Added;
                        report(stored);
                        if (stored >= s.Reads) break;
                    }
                    await store.CompactAllAsync(cancellationToken).ConfigureAwait(false);
                    return 0;
                }).ConfigureAwait(false);
                truth = sim.Truth;
                await using var tf = File.Create(truthFile);
                truth.WriteJson(tf);
            }
            var stats = await store.GetStatsAsync(cancellationToken).ConfigureAwait(false);
            using var audit = new FileAuditLog(Path.Combine(dir, "audit"));
            DataPolicy[] policies = [DataPolicy.DefaultFor("demo-pd") with { RetentionDays = 100_000 }, DataPolicy.DefaultFor("demo-transit") with { RetentionDays = 100_000, SharingPartners = ["demo-pd"] }];
            var analytics = new InvestigativeAnalytics(new ReadQueryService(store, audit, policies));
            var caller = new AnalysisCaller(new Principal("bench", "demo-pd", "investigator"), new AccessPurpose("other-felony", "BENCH"), new AnalysisAuthorization(AuthorizationKind.Warrant, "BENCH"), "bench");
            var result = await RunAsync(s, analytics, caller, truth, stats.Reads, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(s.Out, JsonSerializer.Serialize(result, AnalyticsBenchJson.Default.AnalyticsBenchResult), cancellationToken).ConfigureAwait(false);
            Print(result);
        }
        finally
        {
            if (s.Dir is null && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        return 0;
    }

    private async Task<AnalyticsBenchResult> RunAsync(BenchAnalyticsSettings s, InvestigativeAnalytics analytics, AnalysisCaller caller, GroundTruth truth, long reads, CancellationToken ct)
    {
        var whole = new TimeRange(truth.Start, truth.Start.AddDays(truth.Days));
        var last90 = new TimeRange(whole.To - TimeSpan.FromDays(Math.Min(90, truth.Days)), whole.To);
        // Targets: planted vehicles first (they have company to find), then ordinary ones spread over the population.
        var plates = truth.Convoys.SelectMany(c => c.Members.Select(m => m.Plate))
            .Concat(truth.Associates.SelectMany(a => new[] { a.A.Plate, a.B.Plate }))
            .Concat(Enumerable.Range(0, s.Runs).Select(i => truth.Vehicles[(int)((long)i * truth.Vehicles.Count / s.Runs)].Plate))
            .Distinct(StringComparer.Ordinal).Take(s.Runs + 3).ToList();
        // Associates are timed on the planted pairs first, so that the timed runs find what they look for.
        var pairPlates = truth.Associates.SelectMany(a => new[] { a.A.Plate, a.B.Plate }).Concat(plates)
            .Distinct(StringComparer.Ordinal).Take(s.Runs + 3).ToList();
        var rng = new Random(7);
        VehicleQuery Q(int i) => new() { Plate = plates[i % plates.Count], Range = last90, UtcOffset = truth.UtcOffset };
        VehicleQuery Pair(int i) => new() { Plate = pairPlates[i % pairPlates.Count], Range = last90, UtcOffset = truth.UtcOffset };
        var timings = new List<AnalysisTiming>();

        async Task Time(string name, string description, Func<int, Task<int>> run)
        {
            await run(s.Runs).ConfigureAwait(false); // warm-up, on a target not timed
            var ms = new List<double>();
            double results = 0;
            for (int i = 0; i < s.Runs; i++)
            {
                var sw = Stopwatch.StartNew();
                results += await run(i).ConfigureAwait(false);
                ms.Add(sw.Elapsed.TotalMilliseconds);
            }
            ms.Sort();
            timings.Add(new AnalysisTiming(name, description, ms[ms.Count / 2], ms[^1], results / s.Runs));
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{name}: median {ms[ms.Count / 2]:F0} ms")));
        }

        await Time("history", "one plate with look-alikes, 90 days", async i => (await analytics.HistoryAsync(caller, Q(i), ct).ConfigureAwait(false)).Reads.Length).ConfigureAwait(false);
        await Time("places", "usual places, 90 days", async i => (await analytics.PlacesAsync(caller, Q(i), null, ct).ConfigureAwait(false)).Places.Length).ConfigureAwait(false);
        await Time("routes", "routes and times, 90 days", async i => (await analytics.RoutesAsync(caller, Q(i), null, ct).ConfigureAwait(false)).Routes.Length).ConfigureAwait(false);
        await Time("convoy", "k = 2, ±30 s, 90 days", async i => (await analytics.ConvoyAsync(caller, Q(i), null, ct).ConfigureAwait(false)).Members.Length).ConfigureAwait(false);
        await Time("associates", "20 m, ±2 min, 90 days", async i => (await analytics.AssociatesAsync(caller, Q(i), null, ct).ConfigureAwait(false)).Associates.Length).ConfigureAwait(false);
        await Time("associates of planted pairs", "the same, on the planted pairs", async i => (await analytics.AssociatesAsync(caller, Pair(i), null, ct).ConfigureAwait(false)).Associates.Length).ConfigureAwait(false);
        await Time("stakeout", "3 areas (300 m, 1 h each), all 3", async i =>
        {
            var areas = Enumerable.Range(0, 3).Select(_ =>
            {
                var v = truth.Vehicles[rng.Next(truth.Vehicles.Count)];
                var at = whole.From.AddHours(rng.Next(truth.Days * 24));
                return new AreaWindow(new RadiusArea(new GeoPoint(v.Home.Lat, v.Home.Lon), 300), new TimeRange(at, at.AddHours(1)));
            });
            return (await analytics.StakeoutAsync(caller, new StakeoutOptions { Areas = [.. areas], MinAreas = 1 }, ct).ConfigureAwait(false)).Plates.Length;
        }).ConfigureAwait(false);
        await Time("cloned sweep", "every plate, 1 day", async i =>
        {
            var day = whole.From.AddDays(1 + (i % Math.Max(1, truth.Days - 2)));
            return (await analytics.ClonedAsync(caller, new ClonedOptions { Range = new TimeRange(day, day.AddDays(1)) }, ct).ConfigureAwait(false)).Plates.Length;
        }).ConfigureAwait(false);
        return new AnalyticsBenchResult(reads, truth.Days, truth.Vehicles.Count, s.Runs, DateTimeOffset.UtcNow, timings);
    }

    private void Print(AnalyticsBenchResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var t = new Table().AddColumns("analysis", "median", "max", "mean results");
        foreach (var a in r.Analyses)
            t.AddRow($"{a.Name} ({a.Description})", a.MedianMs.ToString("F0", inv) + " ms", a.MaxMs.ToString("F0", inv) + " ms", a.MeanResults.ToString("F1", inv));
        console.Write(t);
        console.MarkupLine(Markup.Escape(string.Create(inv, $"{r.Reads:N0} reads, {r.Vehicles:N0} vehicles, {r.Days} days; {r.Runs} timed runs per analysis through the gate (audited).")));
    }
}
