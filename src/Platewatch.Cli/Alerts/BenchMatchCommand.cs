using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Platewatch.Alerts.Hotlists;
using Platewatch.Alerts.Matching;
using Platewatch.Geo;
using Platewatch.Reads;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Alerts;

internal sealed class BenchMatchSettings : CommandSettings
{
    [CommandOption("--entries <N>")]
    [Description("Hotlist entries (default 1000000).")]
    public int Entries { get; init; } = 1_000_000;

    [CommandOption("--reads <N>")]
    [Description("Reads matched per run (default 2000000).")]
    public int Reads { get; init; } = 2_000_000;

    [CommandOption("--runs <N>")]
    [Description("Timed runs of each mode; the median is reported (default 5).")]
    public int Runs { get; init; } = 5;

    [CommandOption("--seed <N>")]
    public int Seed { get; init; } = 7;

    [CommandOption("--out <FILE>")]
    [Description("JSON results file (default bench-match.json).")]
    public string Out { get; init; } = "bench-match.json";

    public override ValidationResult Validate() =>
        Entries is < 1000 or > 20_000_000 ? ValidationResult.Error("--entries must be 1000 to 20000000.")
        : Reads is < 10_000 or > 50_000_000 ? ValidationResult.Error("--reads must be 10000 to 50000000.")
        : Runs is < 1 or > 100 ? ValidationResult.Error("--runs must be 1 to 100.")
        : ValidationResult.Success();
}

internal sealed record MatchModeResult(string Mode, double ReadsPerSecond, double PlatesPerSecond, double HitsPerRead, double BytesAllocatedPerRead);

internal sealed record MatchBenchResult(int Entries, int Reads, double BuildSeconds, long IndexBytes, double CandidatesPerRead, IReadOnlyList<MatchModeResult> Modes,
    string Machine, DateTimeOffset At);

/// <summary>
/// <c>platewatch bench match</c>: hotlist matching throughput on one thread. N entries in 16 US-like shapes of 7 and 8 characters; reads of which
/// 1 % carry a listed plate (as is, with a look-alike swapped in, or with one character changed) and the rest random
/// plates of the same formats; each read has 0-2 look-alike candidates, as the recognizer gives them.
/// </summary>
internal sealed class BenchMatchCommand(IAnsiConsole console) : Command<BenchMatchSettings>
{
    private static readonly JsonSerializerOptions OutJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private const string Letters = "ABCDEFGHJKLMNPRSTUVWXYZ";
    private const string Digits = "0123456789";

    public override int Execute(CommandContext context, BenchMatchSettings s, CancellationToken cancellationToken)
    {
        var rng = new Random(s.Seed);
        var now = DateTimeOffset.UtcNow;
        console.MarkupLine($"Generating {s.Entries:N0} entries and {s.Reads:N0} reads...");
        var plates = new HashSet<string>(s.Entries, StringComparer.Ordinal);
        while (plates.Count < s.Entries) plates.Add(Plate(rng));
        var list = new Hotlist { Id = "bench", AgencyId = "bench", Name = "bench", Source = "bench", RefreshInterval = TimeSpan.FromDays(1), RefreshedAt = now };
        var entries = plates.Select(p => new HotlistEntry
        {
            HotlistId = "bench", Plate = p, Region = "US-WA", Category = HotlistCategories.StolenVehicle, Reason = "bench", CaseNumber = "B-1", AddedBy = "bench", AddedAt = now,
        }).ToList();
        var listed = plates.ToArray();

        long before = GC.GetTotalMemory(forceFullCollection: true);
        var sw = Stopwatch.StartNew();
        var index = HotlistIndex.Build([list], entries, CategorySwitches.AllOn, now);
        double buildSeconds = sw.Elapsed.TotalSeconds;
        entries = null;
        long indexBytes = Math.Max(0, GC.GetTotalMemory(forceFullCollection: true) - before);

        var reads = new PlateRead[s.Reads];
        var bare = new PlateRead[s.Reads];
        long candidates = 0;
        for (int i = 0; i < reads.Length; i++)
        {
            string plate = rng.NextDouble() < 0.01 ? Mutate(listed[rng.Next(listed.Length)], rng) : Plate(rng);
            int nc = rng.Next(3);
            candidates += nc;
            var cands = Enumerable.Range(0, nc).Select(_ => new PlateCandidate(LookAlike(plate, rng), 0.3f)).ToArray();
            bare[i] = new PlateRead
            {
                Id = ReadId.New(now), Plate = plate, Region = "US-WA", Confidence = 0.9f, CapturedAt = now, Location = new GeoPoint(47.6, -122.3), CameraId = "c", AgencyId = "bench",
            };
            reads[i] = bare[i] with { Candidates = [.. cands] };
        }
        var exact = new HashSet<string>(listed, StringComparer.Ordinal);

        var modes = new List<MatchModeResult>
        {
            Run("exact only (hash set of plates; baseline)", reads, s.Runs, 1 + (double)candidates / s.Reads, r =>
            {
                int h = exact.Contains(r.Plate) ? 1 : 0;
                foreach (var c in r.Candidates) h += exact.Contains(c.Plate) ? 1 : 0;
                return h;
            }),
            Run("tolerant, plate only", bare, s.Runs, 1, r => Match(index, r, now)),
            Run("tolerant, plate + candidates", reads, s.Runs, 1 + (double)candidates / s.Reads, r => Match(index, r, now)),
        };

        var result = new MatchBenchResult(s.Entries, s.Reads, buildSeconds, indexBytes, (double)candidates / s.Reads, modes,
            $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}", DateTimeOffset.UtcNow);
        var table = new Table().AddColumns("mode", "reads/s (1 thread)", "plates/s", "hits/read", "bytes alloc/read");
        foreach (var m in modes) table.AddRow(m.Mode, $"{m.ReadsPerSecond:N0}", $"{m.PlatesPerSecond:N0}", $"{m.HitsPerRead:0.0000}", $"{m.BytesAllocatedPerRead:0.00}");
        console.MarkupLine($"{s.Entries:N0} entries, index built in {buildSeconds:0.00} s, about {indexBytes / 1048576.0:N0} MiB; {result.CandidatesPerRead:0.00} candidates per read");
        console.Write(table);
        File.WriteAllText(s.Out, JsonSerializer.Serialize(result, OutJson));
        console.MarkupLineInterpolated($"Results written to {s.Out}");
        return 0;
    }

    private static int Match(HotlistIndex index, PlateRead read, DateTimeOffset now)
    {
        Span<HotlistHit> hits = stackalloc HotlistHit[16];
        return index.Match(read, now, hits);
    }

    private static MatchModeResult Run(string mode, PlateRead[] reads, int runs, double platesPerRead, Func<PlateRead, int> match)
    {
        // Warm-up: tiered compilation settles before the timed runs.
        for (int i = 0; i < Math.Min(reads.Length, 200_000); i++) match(reads[i]);
        var rates = new List<double>();
        long hits = 0, allocated = 0;
        for (int r = 0; r < runs; r++)
        {
            hits = 0;
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            foreach (var read in reads) hits += match(read);
            sw.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - a0;
            rates.Add(reads.Length / sw.Elapsed.TotalSeconds);
        }
        rates.Sort();
        double median = rates[rates.Count / 2];
        return new MatchModeResult(mode, median, median * platesPerRead, (double)hits / reads.Length, (double)allocated / reads.Length);
    }

    // US-like plate shapes, the common ones first. A hotlist spread over many shapes, as a national list is, has few
    // one-edit neighbours per read; crowding 1M entries into one shape would give about one per read.
    private static readonly string[] Shapes =
    [
        "LLLDDDD", "LLLDDDD", "LLLDDDD", "DLLLDDD", "DLLLDDD", "LLDDDDD", "LDDDDDD", "LLLLDDD", "LLDLDDD", "DDLLLDD",
        "LDLDLDL", "DDDLDDD", "DLDDDDD", "LLLDDDDD", "DLLLLDDD", "LLLLDDDD",
    ];

    internal static string Plate(Random rng)
    {
        string shape = Shapes[rng.Next(Shapes.Length)];
        Span<char> p = stackalloc char[shape.Length];
        for (int i = 0; i < shape.Length; i++) p[i] = shape[i] == 'L' ? Letters[rng.Next(Letters.Length)] : Digits[rng.Next(Digits.Length)];
        return new string(p);
    }

    private static string Mutate(string p, Random rng) => rng.Next(3) switch
    {
        0 => p,
        1 => LookAlike(p, rng),
        _ => p.Remove(rng.Next(p.Length), 1).Insert(rng.Next(p.Length - 1), Digits[rng.Next(10)].ToString()),
    };

    private static string LookAlike(string p, Random rng)
    {
        const string from = "0O8B5S2Z1I6G";
        const string to = "O0B8S5Z2I1G6";
        var chars = p.ToCharArray();
        for (int tries = 0; tries < 8; tries++)
        {
            int i = rng.Next(chars.Length);
            int k = from.IndexOf(chars[i], StringComparison.Ordinal);
            if (k >= 0) { chars[i] = to[k]; break; }
        }
        return new string(chars);
    }
}
