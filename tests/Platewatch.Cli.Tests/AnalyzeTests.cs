using System.Text.Json;

namespace Platewatch.Cli.Tests;

public sealed class AnalyzeTests : IDisposable
{
    private readonly CliRunner _cli = new();

    private static readonly string[] Gate = ["--purpose", "robbery", "--case", "T-7", "--from", "2026-11-01", "--to", "2026-11-28"];

    private static string Read(int n, string plate, string at, double lat, string camera) =>
        $$"""{"id":"0195f3a0-0000-7000-8000-{{n:D12}}","plate":"{{plate}}","region":"US-WA","confidence":0.93,"capturedAt":"{{at}}","location":{"lat":{{lat.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"lon":-122.33,"accuracy":5},"cameraId":"{{camera}}","agencyId":"demo-pd"}""";

    private async Task Ingest()
    {
        string path = _cli.PathOf("reads.jsonl");
        await File.WriteAllLinesAsync(path,
        [
            Read(1, "ABC123", "2026-11-20T08:00:00Z", 47.60, "pole-1"),
            Read(2, "ABC123", "2026-11-20T08:01:00Z", 47.68, "pole-9"),
            Read(3, "XYZ789", "2026-11-20T08:00:05Z", 47.60, "pole-1"),
        ], TestContext.Current.CancellationToken);
        Assert.Equal(0, (await _cli.RunAsync("ingest", path)).ExitCode);
    }

    [Fact]
    public async Task Analyze_history_and_cloned_answer_in_json_and_are_audited()
    {
        await Ingest();

        var history = await _cli.RunAsync(["analyze", "history", "ABC123", .. Gate, "--json"]);
        var cloned = await _cli.RunAsync(["analyze", "cloned", "ABC123", .. Gate, "--json"]);
        var table = await _cli.RunAsync(["analyze", "history", "NOSUCH", .. Gate]);

        Assert.True(history.ExitCode == 0, history.Stderr);
        Assert.Equal(2, JsonDocument.Parse(history.Stdout).RootElement.GetProperty("reads").GetArrayLength());
        Assert.True(cloned.ExitCode == 0, cloned.Stderr);
        var plates = JsonDocument.Parse(cloned.Stdout).RootElement.GetProperty("plates");
        Assert.Equal("ABC123", plates[0].GetProperty("plate").GetString());
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("0 read(s) of NOSUCH", table.Stdout, StringComparison.Ordinal);
        string auditLog = string.Join('\n', Directory.GetFiles(Path.Combine(_cli.DataDir, "audit"), "*.jsonl").Select(File.ReadAllText));
        Assert.Contains("\"action\":\"analytics.history\"", auditLog, StringComparison.Ordinal);
        Assert.Contains("\"action\":\"analytics.cloned\"", auditLog, StringComparison.Ordinal);
        Assert.Contains("plate:ABC123", auditLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyses_without_authority_or_with_bad_input_fail_with_one_line()
    {
        await Ingest();

        var noAuth = await _cli.RunAsync(["analyze", "places", "ABC123", .. Gate]);
        var bowtie = await _cli.RunAsync(["analyze", "stakeout", "--area", "polygon:47.60,-122.33;47.61,-122.32;47.60,-122.32;47.61,-122.33@2026-11-20T00:00Z/2026-11-21T00:00Z",
            "--purpose", "robbery", "--case", "T-7", "--authorization", "warrant:W-1"]);
        var badK = await _cli.RunAsync(["analyze", "convoy", "ABC123", .. Gate, "--authorization", "warrant:W-1", "-k", "1"]);
        var noCase = await _cli.RunAsync("analyze", "history", "ABC123", "--purpose", "robbery");

        Assert.Equal(1, noAuth.ExitCode);
        Assert.Contains("needs an authorisation reference", noAuth.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, bowtie.ExitCode);
        Assert.Contains("intersects itself", bowtie.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, badK.ExitCode);
        Assert.Contains("k (distinct cameras", badK.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, noCase.ExitCode);
        Assert.Contains("--case is required", noCase.Stderr + noCase.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_approval_recorded_on_the_server_authorises_the_cli_until_it_is_revoked()
    {
        await Ingest();
        string id;
        // As the server records it when a supervisor approves (the server is stopped while the CLI runs).
        await using (var data = Platewatch.Server.Hosting.DataDirectory.Open(_cli.DataDir, new Platewatch.Server.Hosting.AccountOptions()))
        {
            id = (await data.Approvals.CreateAsync("demo-pd", "sam", "T-7", Query.ApprovalTier.Standard, [Query.AnalysisKind.Places],
                DateTimeOffset.UtcNow.AddDays(7), DateTimeOffset.UtcNow, TestContext.Current.CancellationToken)).Id;
        }
        string[] places = ["analyze", "places", "ABC123", "--purpose", "robbery", "--case", "T-7", "--last", "30d", "--authorization", "approval:" + id, "--json"];

        var approved = await _cli.RunAsync(places);
        var revoke = await _cli.RunAsync("admin", "approvals", "revoke", id);
        var refused = await _cli.RunAsync(places);
        var list = await _cli.RunAsync("admin", "approvals", "list", "--case", "T-7", "--json");

        Assert.True(approved.ExitCode == 0, approved.Stderr);
        Assert.True(revoke.ExitCode == 0, revoke.Stderr);
        Assert.Equal(1, refused.ExitCode);
        string line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"approval '{id}' was revoked", line, StringComparison.Ordinal);
        Assert.Contains("ask a supervisor for a new approval", line, StringComparison.Ordinal);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Equal("revoked", JsonDocument.Parse(list.Stdout).RootElement[0].GetProperty("status").GetString());
        string auditLog = string.Join('\n', Directory.GetFiles(Path.Combine(_cli.DataDir, "audit"), "*.jsonl").Select(File.ReadAllText));
        Assert.Contains("\"action\":\"analytics.revoke-approval\"", auditLog, StringComparison.Ordinal);
        Assert.Contains("\"action\":\"analytics.list-approvals\"", auditLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_analytics_scores_a_small_simulated_city_and_the_recognizer_eval_still_takes_a_path()
    {
        var r = await _cli.RunAsync("eval", "analytics", "--vehicles", "300", "--days", "7", "--start", "2026-10-12", "--homes", "10", "--controls", "3", "--json");
        var missing = await _cli.RunAsync("eval", "no-such-dataset");

        Assert.True(r.ExitCode == 0, r.Stderr);
        var e = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal(300, e.GetProperty("vehicles").GetInt32());
        Assert.True(e.GetProperty("clonedPrecision").GetDouble() >= 0.95);
        Assert.InRange(e.GetProperty("associatesF1").GetDouble(), 0, 1);
        Assert.InRange(e.GetProperty("homesWithin150m").GetDouble(), 0.5, 1);
        Assert.DoesNotContain("Unknown command", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("no-such-dataset", missing.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();
}
