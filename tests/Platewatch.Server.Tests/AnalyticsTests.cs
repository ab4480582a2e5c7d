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

    private static async Task<string> ApproveAsync(HttpClient supervisor, string caseNumber)
    {
        var created = await supervisor.PostAsJsonAsync("/api/v1/analytics/approvals", new { caseNumber, days = 7 }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Supervisors_and_auditors_list_their_own_agencys_approvals_only_and_investigators_cannot()
    {
        await using var server = await RunningServer.StartAsync();
        using var supA = await server.SignInAsync(RunningServer.AgencyA, Roles.Supervisor);
        using var supB = await server.SignInAsync(RunningServer.AgencyB, Roles.Supervisor);
        using var auditorA = await server.SignInAsync(RunningServer.AgencyA, Roles.Auditor);
        using var invA = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        string first = await ApproveAsync(supA, "24-0099");
        string second = await ApproveAsync(supA, "24-0100");
        string foreign = await ApproveAsync(supB, "24-0099");

        var bySupervisor = await supA.GetFromJsonAsync<JsonElement>("/api/v1/analytics/approvals", Ct);
        var byAuditor = await auditorA.GetFromJsonAsync<JsonElement>("/api/v1/analytics/approvals?case=24-0099", Ct);
        var byInvestigator = await invA.GetAsync("/api/v1/analytics/approvals", Ct);
        var badLimit = await Problem(await supA.GetAsync("/api/v1/analytics/approvals?limit=1001", Ct), HttpStatusCode.BadRequest);

        string[] ids = [.. bySupervisor.GetProperty("approvals").EnumerateArray().Select(a => a.GetProperty("id").GetString()!)];
        Assert.Equal([second, first], ids);
        Assert.DoesNotContain(foreign, ids);
        var only = Assert.Single(byAuditor.GetProperty("approvals").EnumerateArray());
        Assert.Equal(first, only.GetProperty("id").GetString());
        Assert.Equal("active", only.GetProperty("status").GetString());
        Assert.Equal(RunningServer.User(RunningServer.AgencyA, Roles.Supervisor), only.GetProperty("approvedBy").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, byInvestigator.StatusCode);
        Assert.Contains("limit must be 1 to 1000", badLimit.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var listed = (await server.AuditEntriesAsync()).Where(e => e.Record.Action == "analytics.list-approvals").ToList();
        Assert.Equal(2, listed.Count);
        Assert.Equal([first], listed[1].Record.RecordIds);
        Assert.Equal(Roles.Auditor, listed[1].Record.Role);
        Assert.Contains(await server.AuditEntriesAsync(), e => e.Record.Action == "access.forbidden" && e.Record.Role == Roles.Investigator);
    }

    [Fact]
    public async Task An_approval_is_found_at_its_location_by_its_own_agency_only()
    {
        await using var server = await RunningServer.StartAsync();
        using var supA = await server.SignInAsync(RunningServer.AgencyA, Roles.Supervisor);
        using var supB = await server.SignInAsync(RunningServer.AgencyB, Roles.Supervisor);
        var created = await supA.PostAsJsonAsync("/api/v1/analytics/approvals", new { caseNumber = "24-0123", days = 7 }, Ct);
        var location = created.Headers.Location!.ToString();

        var own = await supA.GetFromJsonAsync<JsonElement>(location, Ct);
        var foreign = await Problem(await supB.GetAsync(location, Ct), HttpStatusCode.NotFound);

        Assert.Equal("24-0123", own.GetProperty("caseNumber").GetString());
        Assert.Equal("active", own.GetProperty("status").GetString());
        Assert.Contains("no approval", foreign.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var views = (await server.AuditEntriesAsync()).Where(e => e.Record.Action == "analytics.view-approval").ToList();
        Assert.Equal(["ok", "rejected"], views.Select(e => e.Record.Outcome));
    }

    [Fact]
    public async Task A_revoked_approval_no_longer_authorises_and_other_agencies_cannot_revoke_it()
    {
        await using var server = await ServerWithHistoryAsync();
        using var sup = await server.SignInAsync(RunningServer.AgencyA, Roles.Supervisor);
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        using var supB = await server.SignInAsync(RunningServer.AgencyB, Roles.Supervisor);
        string id = await ApproveAsync(sup, "24-0099");
        string places = $"/api/v1/analytics/places?plate=TRAIL1&{Why}&authorization=approval:{id}";
        Assert.Equal(HttpStatusCode.OK, (await inv.GetAsync(places, Ct)).StatusCode);

        var foreign = await Problem(await supB.PostAsync($"/api/v1/analytics/approvals/{id}/revoke", null, Ct), HttpStatusCode.NotFound);
        var byInvestigator = await inv.PostAsync($"/api/v1/analytics/approvals/{id}/revoke", null, Ct);
        var revoked = await sup.PostAsync($"/api/v1/analytics/approvals/{id}/revoke", null, Ct);
        var again = await Problem(await sup.PostAsync($"/api/v1/analytics/approvals/{id}/revoke", null, Ct), HttpStatusCode.Conflict);
        var refused = await Problem(await inv.GetAsync(places, Ct), HttpStatusCode.Forbidden);

        Assert.Contains("no approval", foreign.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, byInvestigator.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var view = await revoked.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("revoked", view.GetProperty("status").GetString());
        Assert.Equal(RunningServer.User(RunningServer.AgencyA, Roles.Supervisor), view.GetProperty("revokedBy").GetString());
        Assert.Contains("already revoked", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("ask a supervisor for a new approval", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var listed = await sup.GetFromJsonAsync<JsonElement>("/api/v1/analytics/approvals", Ct);
        Assert.Equal("revoked", Assert.Single(listed.GetProperty("approvals").EnumerateArray()).GetProperty("status").GetString());
        var audit = await server.AuditEntriesAsync();
        var revocations = audit.Where(e => e.Record.Action == "analytics.revoke-approval").Select(e => (e.Record.AgencyId, e.Record.Outcome)).ToList();
        Assert.Equal([(RunningServer.AgencyB, "rejected"), (RunningServer.AgencyA, "ok"), (RunningServer.AgencyA, "rejected")], revocations);
        var denied = audit.Last(e => e.Record.Action == "analytics.places");
        Assert.Equal("denied", denied.Record.Outcome);
        Assert.Contains("revoked", denied.Record.Detail, StringComparison.Ordinal);
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
