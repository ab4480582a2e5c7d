using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platewatch.Server.Accounts;

namespace Platewatch.Server.Tests;

public sealed class AnalyticsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Why = "purpose=robbery&caseNumber=24-0099";

    private static async Task<RunningServer> ServerWithHistoryAsync()
    {
        var server = await RunningServer.StartAsync();
        using var a = server.Client(server.CameraKeyA);
        var t = DateTimeOffset.UtcNow.AddDays(-3);
        await Reads.PostAsync(a, Reads.Read("TRAIL1", t), Reads.Read("TRAIL1", t.AddDays(1)), Reads.Read("TRAIL1", t.AddDays(1).AddMinutes(5)), Reads.Read("OTHER1", t));
        return server;
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task History_is_answered_and_audited_with_the_plate_returned()
    {
        await using var server = await ServerWithHistoryAsync();
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);

        var response = await inv.GetAsync($"/api/v1/analytics/history?plate=TRAIL1&{Why}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(3, body.GetProperty("reads").GetArrayLength());
        var entry = (await server.AuditEntriesAsync()).Last(e => e.Record.Action == "analytics.history");
        Assert.Equal("ok", entry.Record.Outcome);
        Assert.Equal("24-0099", entry.Record.CaseNumber);
        Assert.Equal(["plate:TRAIL1"], entry.Record.RecordIds);
    }

    [Fact]
    public async Task Bad_input_is_a_problem_and_refusals_are_audited()
    {
        await using var server = await ServerWithHistoryAsync();
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);

        var noCase = await Problem(await inv.GetAsync("/api/v1/analytics/history?plate=TRAIL1&purpose=robbery", Ct), HttpStatusCode.BadRequest);
        var noAuth = await Problem(await inv.GetAsync($"/api/v1/analytics/places?plate=TRAIL1&{Why}", Ct), HttpStatusCode.Forbidden);
        var badK = await Problem(await inv.GetAsync($"/api/v1/analytics/convoy?plate=TRAIL1&{Why}&authorization=warrant:W-1&k=50", Ct), HttpStatusCode.BadRequest);
        var bowtie = await Problem(await inv.GetAsync($"/api/v1/analytics/stakeout?{Why}&authorization=warrant:W-1&area=" +
            Uri.EscapeDataString("polygon:47.60,-122.33;47.61,-122.32;47.60,-122.32;47.61,-122.33@2026-11-20T00:00Z/2026-11-21T00:00Z"), Ct), HttpStatusCode.BadRequest);
        var tooLong = await Problem(await inv.GetAsync($"/api/v1/analytics/history?plate=TRAIL1&{Why}&from=2026-01-01T00:00Z", Ct), HttpStatusCode.Forbidden);
        var badRef = await Problem(await inv.GetAsync($"/api/v1/analytics/places?plate=TRAIL1&{Why}&authorization=please", Ct), HttpStatusCode.BadRequest);

        Assert.Contains("caseNumber is required", noCase.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("needs an authorisation reference", noAuth.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("k (distinct cameras", badK.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("intersects itself", bowtie.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("senior approval", tooLong.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("not an authorisation reference", badRef.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var outcomes = (await server.AuditEntriesAsync()).Where(e => e.Record.Action.StartsWith("analytics.", StringComparison.Ordinal)).Select(e => e.Record.Outcome).ToList();
        Assert.Equal(["rejected", "denied", "rejected", "rejected", "denied", "rejected"], outcomes);
    }

    [Fact]
    public async Task A_supervisors_recorded_approval_authorises_an_investigators_analysis_for_that_case_only()
    {
        await using var server = await ServerWithHistoryAsync();
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        using var sup = await server.SignInAsync(RunningServer.AgencyA, Roles.Supervisor);

        var byInvestigator = await inv.PostAsJsonAsync("/api/v1/analytics/approvals", new { caseNumber = "24-0099" }, Ct);
        var badTier = await sup.PostAsJsonAsync("/api/v1/analytics/approvals", new { caseNumber = "24-0099", tier = "gold" }, Ct);
        var created = await sup.PostAsJsonAsync("/api/v1/analytics/approvals", new { caseNumber = "24-0099", kinds = new[] { "places", "routes" }, days = 7 }, Ct);

        await Problem(byInvestigator, HttpStatusCode.Forbidden);
        await Problem(badTier, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
        var places = await inv.GetAsync($"/api/v1/analytics/places?plate=TRAIL1&{Why}&authorization=approval:{id}", Ct);
        Assert.Equal(HttpStatusCode.OK, places.StatusCode);
        Assert.Equal(1, (await places.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("places").GetArrayLength());
        await Problem(await inv.GetAsync($"/api/v1/analytics/associates?plate=TRAIL1&{Why}&authorization=approval:{id}", Ct), HttpStatusCode.Forbidden);
        await Problem(await inv.GetAsync($"/api/v1/analytics/places?plate=TRAIL1&purpose=robbery&caseNumber=24-OTHER&authorization=approval:{id}", Ct), HttpStatusCode.Forbidden);
        using var other = await server.SignInAsync(RunningServer.AgencyB, Roles.Investigator);
        await Problem(await other.GetAsync($"/api/v1/analytics/places?plate=TRAIL1&{Why}&authorization=approval:{id}", Ct), HttpStatusCode.Forbidden);
        var approve = Assert.Single(await server.AuditEntriesAsync(), e => e.Record.Action == "analytics.approve");
        Assert.Equal(id, approve.Record.Parameters["id"]);
    }

    [Theory]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.Admin)]
    public async Task Only_investigators_and_supervisors_run_analyses(string role)
    {
        await using var server = await RunningServer.StartAsync();
        using var user = await server.SignInAsync(RunningServer.AgencyA, role);

        var response = await user.GetAsync($"/api/v1/analytics/history?plate=TRAIL1&{Why}", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
