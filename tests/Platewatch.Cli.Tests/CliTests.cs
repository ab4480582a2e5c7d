using System.Text.Json;

namespace Platewatch.Cli.Tests;

public sealed class CliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    private static string Read(int n, string plate = "ABC123", string at = "2026-11-20T10:00:00Z", double lat = 47.6, string camera = "cam-1", double confidence = 0.9) =>
        $$"""{"id":"0195f3a0-0000-7000-8000-{{n:D12}}","plate":"{{plate}}","region":"US-WA","confidence":{{confidence.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"capturedAt":"{{at}}","location":{"lat":{{lat.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"lon":-122.33,"accuracy":5},"cameraId":"{{camera}}","agencyId":"demo-pd"}""";

    private async Task<string> WriteFile(string name, params string[] lines)
    {
        string path = _cli.PathOf(name);
        await File.WriteAllLinesAsync(path, lines, TestContext.Current.CancellationToken);
        return path;
    }

    private static readonly string[] Gate = ["--purpose", "stolen-vehicle", "--case", "T-1"];

    private async Task<JsonElement> SearchJson(params string[] args)
    {
        var r = await _cli.RunAsync(["search", .. args, .. Gate, "--from", "2026-11-01", "--to", "2026-11-28", "--json"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    [Fact]
    public async Task Ingest_stores_good_lines_reports_bad_ones_by_line_and_exits_non_zero()
    {
        string file = await WriteFile("reads.jsonl",
            Read(1),
            Read(2, plate: "--"),
            "{broken",
            Read(3, plate: "XYZ789"),
            Read(4, at: "2099-01-01T00:00:00Z"));

        var r = await _cli.RunAsync("ingest", file);

        Assert.Equal(3, r.ExitCode);
        Assert.Contains("reads.jsonl:2: plate", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("reads.jsonl:3: not valid JSON", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("reads.jsonl:5: capturedAt", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("reads.jsonl:1:", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("reads.jsonl:4:", r.Stderr, StringComparison.Ordinal);
        var found = await SearchJson("--camera", "cam-1");
        Assert.Equal(2, found.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Ingesting_a_file_twice_counts_duplicates_and_stores_nothing_new()
    {
        string file = await WriteFile("reads.jsonl", Read(1), Read(2, plate: "XYZ789"));
        Assert.Equal(0, (await _cli.RunAsync("ingest", file)).ExitCode);

        var again = await _cli.RunAsync("ingest", file, "--json");

        Assert.Equal(0, again.ExitCode);
        var summary = JsonDocument.Parse(again.Stdout).RootElement;
        Assert.Equal(0, summary.GetProperty("stored").GetInt64());
        Assert.Equal(2, summary.GetProperty("duplicates").GetInt64());
    }

    [Fact]
    public async Task Csv_ingest_reports_bad_rows_with_line_numbers()
    {
        string file = await WriteFile("reads.csv",
            "id,plate,plate_raw,region,confidence,captured_at,lat,lon,accuracy_m,heading,speed_kmh,vehicle_type,vehicle_colour,vehicle_make,camera_id,agency_id,candidates,plate_crop,context_image",
            "0195f3a0-0000-7000-8000-000000000001,ABC123,,US-WA,0.9,2026-11-20T10:00:00Z,47.6,-122.3,5,,,,,,cam-1,demo-pd,,,",
            "0195f3a0-0000-7000-8000-000000000002,ABC124,,US-WA,high,2026-11-20T10:00:00Z,47.6,-122.3,5,,,,,,cam-1,demo-pd,,,");

        var r = await _cli.RunAsync("ingest", file);

        Assert.Equal(3, r.ExitCode);
        Assert.Contains("reads.csv:3: confidence 'high' is not a number", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_a_one_line_error()
    {
        var r = await _cli.RunAsync("ingest", "nope.jsonl");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("platewatch: No such file: nope.jsonl", r.Stderr.Trim());
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_a_one_line_error()
    {
        int port = CliRunner.FreePort(); // free: nothing listens there
        var r = await _cli.RunWithAsync(new Dictionary<string, string> { ["PLATEWATCH_TOKEN"] = "pwt_unused" },
            "search", "--url", $"http://127.0.0.1:{port}", "--plate", "ABC123", "--purpose", "stolen-vehicle", "--case", "T-1");

        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.StartsWith("platewatch: cannot reach the server", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("platewatch serve", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--case", "T-1")]
    [InlineData("--purpose", "stolen-vehicle")]
    public async Task Search_without_a_purpose_and_a_case_is_refused(string option, string value)
    {
        var r = await _cli.RunAsync("search", "--plate", "ABC123", option, value);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("required", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prohibited_purpose_is_refused_and_the_refusal_is_audited()
    {
        await _cli.RunAsync("ingest", await WriteFile("r.jsonl", Read(1)));

        var r = await _cli.RunAsync("search", "--plate", "ABC123", "--purpose", "stolen-vehicle", "--purpose-text", "immigration status check", "--case", "X-1");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("prohibited", r.Stderr, StringComparison.Ordinal);
        string audit = await File.ReadAllTextAsync(Path.Combine(_cli.DataDir, "audit", "audit.jsonl"), TestContext.Current.CancellationToken);
        Assert.Contains("\"outcome\":\"denied\"", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_finds_by_wildcard_fuzzy_area_and_camera()
    {
        await _cli.RunAsync("ingest", await WriteFile("r.jsonl",
            Read(1, plate: "ABC123", camera: "cam-1"),
            Read(2, plate: "ABD123", camera: "cam-2", lat: 47.7),
            Read(3, plate: "A8C128", camera: "cam-3"),
            Read(4, plate: "XYZ999", camera: "cam-1", confidence: 0.4)));

        Assert.Equal(2, (await SearchJson("--plate", "AB?123")).GetProperty("count").GetInt32());
        Assert.Equal(3, (await SearchJson("--plate", "ABC123", "--fuzzy")).GetProperty("count").GetInt32()); // A8C128: look-alike plus one edit
        Assert.Equal(3, (await SearchJson("--area", "radius:47.6,-122.33,1000")).GetProperty("count").GetInt32());
        Assert.Equal(2, (await SearchJson("--camera", "cam-1")).GetProperty("count").GetInt32());
        Assert.Equal(1, (await SearchJson("--camera", "cam-1", "--min-confidence", "0.5")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Search_writes_csv_and_geojson()
    {
        await _cli.RunAsync("ingest", await WriteFile("r.jsonl", Read(1)));

        var csv = await _cli.RunAsync(["search", "--plate", "ABC123", .. Gate, "--from", "2026-11-01", "--format", "csv"]);
        var geo = await _cli.RunAsync(["search", "--plate", "ABC123", .. Gate, "--from", "2026-11-01", "--format", "geojson"]);

        Assert.StartsWith("id,plate,", csv.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, csv.Stdout.Trim().Split('\n').Length);
        var fc = JsonDocument.Parse(geo.Stdout).RootElement;
        Assert.Equal("FeatureCollection", fc.GetProperty("type").GetString());
        var coords = fc.GetProperty("features")[0].GetProperty("geometry").GetProperty("coordinates");
        Assert.Equal(-122.33, coords[0].GetDouble(), 6);
        Assert.Equal(47.6, coords[1].GetDouble(), 6);
    }

    [Fact]
    public async Task Purge_removes_old_reads_and_is_audited()
    {
        await _cli.RunAsync("ingest", await WriteFile("r.jsonl", Read(1, at: "2026-01-05T00:00:00Z"), Read(2, at: "2026-11-20T00:00:00Z")));

        var r = await _cli.RunAsync("purge", "--older-than", "2026-06-01", "--json");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(1, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("purged").GetInt64());
        string audit = await File.ReadAllTextAsync(Path.Combine(_cli.DataDir, "audit", "audit.jsonl"), TestContext.Current.CancellationToken);
        Assert.Contains("retention.purge", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_verify_names_the_first_tampered_line()
    {
        await _cli.RunAsync("ingest", await WriteFile("r.jsonl", Read(1)));
        for (int i = 0; i < 3; i++) await SearchJson("--plate", "ABC123");
        string file = Path.Combine(_cli.DataDir, "audit", "audit.jsonl");
        Assert.Equal(0, (await _cli.RunAsync("audit", "verify")).ExitCode);
        var lines = await File.ReadAllLinesAsync(file, TestContext.Current.CancellationToken);
        lines[1] = lines[1].Replace("T-1", "T-2", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(file, lines, TestContext.Current.CancellationToken);

        var r = await _cli.RunAsync("audit", "verify");

        Assert.Equal(4, r.ExitCode);
        Assert.Contains("line 2", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulated_reads_written_to_a_file_ingest_cleanly()
    {
        var sim = await _cli.RunAsync("simulate", "--vehicles", "200", "--days", "2", "--output", "city.jsonl", "--json");
        Assert.True(sim.ExitCode == 0, sim.Stderr);
        long simulated = JsonDocument.Parse(sim.Stdout).RootElement.GetProperty("reads").GetInt64();
        Assert.True(File.Exists(_cli.PathOf("truth.json")));

        var ingest = await _cli.RunAsync("ingest", "city.jsonl", "--json");

        Assert.True(ingest.ExitCode == 0, ingest.Stderr);
        var summary = JsonDocument.Parse(ingest.Stdout).RootElement;
        Assert.Equal(simulated, summary.GetProperty("stored").GetInt64());
        Assert.Equal(0, summary.GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task Help_lists_every_command()
    {
        var r = await _cli.RunAsync("--help");

        foreach (string command in new[] { "search", "ingest", "simulate", "purge", "demo", "stats", "audit", "bench", "recognize", "eval", "synth-plates", "agent" })
            Assert.Contains(command, r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Synth_plates_writes_a_crop_set_that_eval_reads()
    {
        string dir = _cli.PathOf("eu");
        var r = await _cli.RunAsync("synth-plates", "--out", dir, "--count", "5", "--seed", "3");
        Assert.True(r.ExitCode == 0, r.Stderr);

        string[] rows = File.ReadAllLines(Path.Combine(dir, "groundtruth.csv"));
        Assert.Equal("file,state,plate", rows[0]);
        Assert.Equal(6, rows.Length);
        foreach (string row in rows.Skip(1))
        {
            string[] f = row.Split(',');
            Assert.True(File.Exists(Path.Combine(dir, f[0])), f[0]);
            Assert.Matches("^[a-z]{2}$", f[1]);
            Assert.Matches("^[A-Z0-9]{4,8}$", f[2]);
        }
        // The same seed writes the same set.
        string again = _cli.PathOf("eu2");
        Assert.Equal(0, (await _cli.RunAsync("synth-plates", "--out", again, "--count", "5", "--seed", "3")).ExitCode);
        Assert.Equal(rows, File.ReadAllLines(Path.Combine(again, "groundtruth.csv")));
    }

    [Fact]
    public async Task Synth_plates_refuses_a_bad_count()
    {
        var r = await _cli.RunAsync("synth-plates", "--count", "0");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--count", r.Stdout + r.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();
}
