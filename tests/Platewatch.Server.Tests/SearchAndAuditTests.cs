using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platewatch.Audit;
using Platewatch.Server.Accounts;

namespace Platewatch.Server.Tests;

public sealed class SearchAndAuditTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Why = "purpose=stolen-vehicle&caseNumber=24-0042";

    private static async Task<(RunningServer Server, string[] Ids)> ServerWithReadsAsync()
    {
        var server = await RunningServer.StartAsync();
        using var a = server.Client(server.CameraKeyA);
        using var b = server.Client(server.CameraKeyB);
        var t = DateTimeOffset.UtcNow.AddHours(-2);
        var r1 = Reads.Read("SAME123", t);
        var r2 = Reads.Read("SAME123", t.AddMinutes(10));
        await Reads.PostAsync(a, r1, r2);
        await Reads.PostAsync(b, Reads.Read("SAME123", t.AddMinutes(20)), Reads.Read("BONLY1", t));
        return (server, [(string)r1["id"]!, (string)r2["id"]!]);
    }

    [Fact]
    public async Task Search_without_purpose_or_case_is_400_audited_and_nothing_is_searched()
    {
        var (server, _) = await ServerWithReadsAsync();
        await using var _s = server;
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        foreach (string url in new[] { "/api/v1/reads?plate=SAME123", "/api/v1/reads?plate=SAME123&purpose=stolen-vehicle", "/api/v1/reads?plate=SAME123&caseNumber=24-1", "/api/v1/reads/export?plate=SAME123&format=csv" })
        {
            var response = await inv.GetAsync(url, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("SAME123\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        var entries = (await server.AuditEntriesAsync()).Where(e => e.Record.Action is "search.reads" or "export.reads").ToList();
        Assert.Equal(4, entries.Count);
        Assert.All(entries, e => Assert.Equal(("rejected", 0), (e.Record.Outcome, e.Record.RecordIds.Length)));
    }

    [Fact]
    public async Task A_purpose_off_the_list_or_prohibited_is_403_and_audited()
    {
        var (server, _) = await ServerWithReadsAsync();
        await using var _s = server;
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        var off = await inv.GetAsync("/api/v1/reads?plate=SAME123&purpose=curiosity&caseNumber=1", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, off.StatusCode);
        var prohibited = await inv.GetAsync("/api/v1/reads?plate=SAME123&purpose=other-felony&purposeText=immigration+check&caseNumber=1", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, prohibited.StatusCode);
        var denied = (await server.AuditEntriesAsync()).Where(e => e.Record.Outcome == "denied" && e.Record.Action == "search.reads").ToList();
        Assert.Equal(2, denied.Count);
    }

    [Fact]
    public async Task Search_pages_with_a_cursor_and_each_page_is_audited_with_its_ids()
    {
        var (server, ids) = await ServerWithReadsAsync();
        await using var _s = server;
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        var p1 = await inv.GetFromJsonAsync<JsonElement>($"/api/v1/reads?plate=SAME123&limit=1&{Why}", Ct);
        Assert.Equal(ids[0], p1.GetProperty("reads")[0].GetProperty("id").GetString());
        string next = p1.GetProperty("next").GetString()!;
        var p2 = await inv.GetFromJsonAsync<JsonElement>($"/api/v1/reads?plate=SAME123&limit=1&after={Uri.EscapeDataString(next)}&{Why}", Ct);
        Assert.Equal(ids[1], p2.GetProperty("reads")[0].GetProperty("id").GetString());

        var searches = (await server.AuditEntriesAsync()).Where(e => e.Record.Action == "search.reads").ToList();
        Assert.Equal(2, searches.Count);
        var first = searches[0].Record;
        Assert.Equal((RunningServer.User(RunningServer.AgencyA, Roles.Investigator), RunningServer.AgencyA, Roles.Investigator), (first.Actor, first.AgencyId, first.Role));
        Assert.Equal(("stolen-vehicle", "24-0042", "127.0.0.1", "ok"), (first.Purpose, first.CaseNumber, first.Source, first.Outcome));
        Assert.Equal("SAME123", first.Parameters["plate"]);
        Assert.Equal([ids[0]], first.RecordIds);
        Assert.Equal([ids[1]], searches[1].Record.RecordIds);
    }

    [Theory]
    [InlineData("csv", "text/csv")]
    [InlineData("geojson", "application/geo+json")]
    [InlineData("kml", "application/vnd.google-earth.kml+xml")]
    public async Task Export_goes_through_the_gate_and_is_audited_with_the_ids_exported(string format, string contentType)
    {
        var (server, ids) = await ServerWithReadsAsync();
        await using var _s = server;
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        var response = await inv.GetAsync($"/api/v1/reads/export?format={format}&plate=SAME123&{Why}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.All(ids, id => Assert.Contains(id, body, StringComparison.Ordinal));
        var export = (await server.AuditEntriesAsync()).Single(e => e.Record.Action == "export.reads");
        Assert.Equal(ids.Order(StringComparer.Ordinal), export.Record.RecordIds.Order(StringComparer.Ordinal));
        Assert.Equal("24-0042", export.Record.CaseNumber);
    }

    [Fact]
    public async Task Agency_b_cannot_read_agency_a_data_by_any_route()
    {
        var (server, ids) = await ServerWithReadsAsync();
        await using var _s = server;
        using var invB = await server.SignInAsync(RunningServer.AgencyB, Roles.Investigator);
        using var supB = await server.SignInAsync(RunningServer.AgencyB, Roles.Supervisor);
        using var audB = await server.SignInAsync(RunningServer.AgencyB, Roles.Auditor);
        using var invA = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        // Agency A searches, so its audit log holds its plates and ids.
        await invA.GetAsync($"/api/v1/reads?plate=SAME123&{Why}", Ct);

        foreach (var client in new[] { invB, supB })
        {
            var search = await client.GetFromJsonAsync<JsonElement>($"/api/v1/reads?plate=SAME123&{Why}", Ct);
            var seen = search.GetProperty("reads").EnumerateArray().Select(r => r.GetProperty("agencyId").GetString()).ToList();
            Assert.Equal([RunningServer.AgencyB], seen);
            var byCamera = await client.GetFromJsonAsync<JsonElement>($"/api/v1/reads?camera={RunningServer.CameraA}&{Why}", Ct);
            Assert.Equal(0, byCamera.GetProperty("count").GetInt32());
            var area = await client.GetFromJsonAsync<JsonElement>($"/api/v1/reads?area=radius:47.6062,-122.3321,1000&{Why}", Ct);
            Assert.DoesNotContain(area.GetProperty("reads").EnumerateArray(), r => r.GetProperty("agencyId").GetString() == RunningServer.AgencyA);
            foreach (string format in new[] { "csv", "geojson", "kml" })
            {
                string body = await client.GetStringAsync($"/api/v1/reads/export?format={format}&plate=SAME123&{Why}", Ct);
                Assert.All(ids, id => Assert.DoesNotContain(id, body, StringComparison.Ordinal));
            }
        }

        var auditB = await audB.GetFromJsonAsync<JsonElement>("/api/v1/audit?limit=5000", Ct);
        foreach (var e in auditB.GetProperty("entries").EnumerateArray())
        {
            Assert.Equal(RunningServer.AgencyB, e.GetProperty("agency").GetString());
            Assert.All(ids, id => Assert.DoesNotContain(id, e.GetRawText(), StringComparison.Ordinal));
        }
        var byUser = await audB.GetFromJsonAsync<JsonElement>($"/api/v1/audit?user={RunningServer.User(RunningServer.AgencyA, Roles.Investigator)}", Ct);
        Assert.Equal(0, byUser.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Auditors_query_by_user_plate_case_and_purpose_and_the_query_is_audited()
    {
        var (server, ids) = await ServerWithReadsAsync();
        await using var _s = server;
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        using var aud = await server.SignInAsync(RunningServer.AgencyA, Roles.Auditor);
        await inv.GetAsync($"/api/v1/reads?plate=SAME123&{Why}", Ct);
        await inv.GetAsync("/api/v1/reads?plate=OTHER99&purpose=homicide&caseNumber=24-7", Ct);
        string user = RunningServer.User(RunningServer.AgencyA, Roles.Investigator);

        async Task<JsonElement[]> Q(string query) =>
            [.. (await aud.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=search.reads&" + query, Ct)).GetProperty("entries").EnumerateArray()];
        Assert.Equal(2, (await Q($"user={user}")).Length);
        var byPlate = Assert.Single(await Q("plate=same-123"));
        Assert.Equal(ids.Order(StringComparer.Ordinal), byPlate.GetProperty("recordIds").EnumerateArray().Select(x => x.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal("OTHER99", Assert.Single(await Q("caseNumber=24-7")).GetProperty("parameters").GetProperty("plate").GetString());
        Assert.Single(await Q("purpose=homicide"));
        Assert.Empty(await Q("from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z"));
        var bad = await aud.GetAsync("/api/v1/audit?from=yesterday", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var queries = (await server.AuditEntriesAsync()).Where(e => e.Record.Action == "audit.query").ToList();
        Assert.Equal(5, queries.Count);
        Assert.Equal("SAME123", queries[1].Record.Parameters["plate"]);
        Assert.Equal(Roles.Auditor, queries[0].Record.Role);
        Assert.Equal(2, queries[0].Record.ResultCount);
    }

    [Fact]
    public async Task The_audit_log_has_no_route_that_changes_it()
    {
        await using var server = await RunningServer.StartAsync();
        using var admin = await server.SignInAsync(RunningServer.AgencyA, Roles.Admin);
        using var auditor = await server.SignInAsync(RunningServer.AgencyA, Roles.Auditor);
        foreach (var client in new[] { admin, auditor })
        {
            foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
            {
                foreach (string url in new[] { "/api/v1/audit", "/api/v1/audit/1" })
                {
                    using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(new { }) };
                    var response = await client.SendAsync(request, Ct);
                    Assert.False(response.IsSuccessStatusCode, $"{method} {url} answered {response.StatusCode}");
                }
            }
        }
    }

    [Fact]
    public async Task The_chain_written_by_the_server_verifies_and_tampering_is_named()
    {
        var (server, _) = await ServerWithReadsAsync();
        await using var _s = server;
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        await inv.GetAsync($"/api/v1/reads?plate=SAME123&{Why}", Ct);
        await server.StopAsync();
        var ok = FileAuditLog.Verify(server.AuditFile);
        Assert.True(ok.Ok, ok.Problem);
        string[] lines = await File.ReadAllLinesAsync(server.AuditFile, Ct);
        int target = Array.FindIndex(lines, l => l.Contains("\"search.reads\"", StringComparison.Ordinal));
        lines[target] = lines[target].Replace("24-0042", "24-9999", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(server.AuditFile, lines, Ct);
        var bad = FileAuditLog.Verify(server.AuditFile);
        Assert.False(bad.Ok);
        Assert.Equal(target + 1, bad.FirstBadLine);
    }
}
