using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Platewatch.Server.Accounts;

namespace Platewatch.Server.Tests;

public sealed class AuthorizationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The only routes open without credentials: health, and the sign-in that issues credentials.</summary>
    private static readonly HashSet<string> Open = ["GET /health/live", "GET /health/ready", "POST /api/v1/auth/token"];

    private static List<(string Method, string Route, Endpoint Endpoint)> Endpoints(RunningServer server) =>
        [.. server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'), (Endpoint)e)))];

    [Fact]
    public async Task Every_endpoint_but_health_and_sign_in_requires_authentication()
    {
        await using var server = await RunningServer.StartAsync();
        var endpoints = Endpoints(server);
        Assert.True(endpoints.Count >= 7, $"only {endpoints.Count} endpoints found");
        Assert.Contains(endpoints, e => e.Route == "/api/v1/reads" && e.Method == "GET");
        using var bogus = server.Client("pwt_not-a-real-token");
        foreach (var (method, route, endpoint) in endpoints)
        {
            string key = $"{method} {route}";
            bool open = Open.Contains(key);
            Assert.Equal(open, endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null);
            if (open) continue;
            foreach (var client in new[] { server.Http, bogus })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), route.Replace("{documentName}", "v1", StringComparison.Ordinal));
                if (method is "POST" or "PUT") request.Content = JsonContent.Create(Array.Empty<object>());
                var response = await client.SendAsync(request, Ct);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{key} answered {response.StatusCode} without valid credentials");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Fact]
    public async Task Camera_key_can_only_write_reads()
    {
        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Reads.Read("CAM1", DateTimeOffset.UtcNow.AddMinutes(-1)));
        foreach (string url in new[] { "/api/v1/reads?plate=CAM1&purpose=stolen-vehicle&caseNumber=1", "/api/v1/reads/export?plate=CAM1&purpose=stolen-vehicle&caseNumber=1", "/api/v1/audit", "/openapi/v1.json" })
        {
            var response = await camera.GetAsync(url, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{url}: {response.StatusCode}");
        }
        // Each refusal is on the record, without the query string (it may name a plate).
        var refused = (await server.AuditEntriesAsync()).Where(e => e.Record.Action == "access.forbidden").ToList();
        Assert.Equal(4, refused.Count);
        Assert.All(refused, e => Assert.Equal("denied", e.Record.Outcome));
        Assert.Contains(refused, e => e.Record.Detail!.StartsWith("GET /api/v1/audit:", StringComparison.Ordinal));
        Assert.DoesNotContain(refused, e => e.Record.Detail!.Contains("CAM1", StringComparison.Ordinal));
        // The key also works from the X-Api-Key header.
        using var header = new HttpClient { BaseAddress = server.Http.BaseAddress };
        header.DefaultRequestHeaders.Add("X-Api-Key", server.CameraKeyA);
        var post = await header.PostAsJsonAsync("/api/v1/reads", new[] { Reads.Read("CAM2", DateTimeOffset.UtcNow.AddMinutes(-1)) }, Ct);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
    }

    [Theory]
    [InlineData(Roles.Investigator)]
    [InlineData(Roles.Supervisor)]
    [InlineData(Roles.Admin)]
    [InlineData(Roles.Auditor)]
    public async Task People_cannot_ingest_reads(string role)
    {
        await using var server = await RunningServer.StartAsync();
        using var user = await server.SignInAsync(RunningServer.AgencyA, role);
        var response = await user.PostAsJsonAsync("/api/v1/reads", new[] { Reads.Read("PPL1", DateTimeOffset.UtcNow) }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData(Roles.Investigator, true, false)]
    [InlineData(Roles.Supervisor, true, false)]
    [InlineData(Roles.Admin, false, false)]
    [InlineData(Roles.Auditor, false, true)]
    public async Task Search_is_for_investigators_and_supervisors_and_the_audit_for_auditors(string role, bool search, bool audit)
    {
        await using var server = await RunningServer.StartAsync();
        using var user = await server.SignInAsync(RunningServer.AgencyA, role);
        var s = await user.GetAsync("/api/v1/reads?plate=ROLE1&purpose=stolen-vehicle&caseNumber=24-1", Ct);
        Assert.Equal(search ? HttpStatusCode.OK : HttpStatusCode.Forbidden, s.StatusCode);
        var a = await user.GetAsync("/api/v1/audit", Ct);
        Assert.Equal(audit ? HttpStatusCode.OK : HttpStatusCode.Forbidden, a.StatusCode);
    }

    [Fact]
    public async Task Sign_in_locks_out_after_repeated_failures_and_every_attempt_is_audited()
    {
        await using var server = await RunningServer.StartAsync();
        string user = RunningServer.User(RunningServer.AgencyA, Roles.Investigator);
        for (int i = 0; i < 5; i++)
        {
            var bad = await server.Http.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password = "wrong-password-123" }, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        }
        var locked = await server.Http.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password = RunningServer.Password }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        var unknown = await server.Http.PostAsJsonAsync("/api/v1/auth/token", new { username = "nobody", password = "whatever-password" }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);

        var signIns = (await server.AuditEntriesAsync()).Where(e => e.Record.Action == "auth.sign-in").ToList();
        Assert.Equal(7, signIns.Count);
        Assert.All(signIns, e => Assert.Equal("denied", e.Record.Outcome));
        Assert.All(signIns, e => Assert.Equal("127.0.0.1", e.Record.Source));
        Assert.Equal(RunningServer.AgencyA, signIns[0].Record.AgencyId);
        Assert.Contains("locked", signIns[5].Record.Detail, StringComparison.Ordinal);
        Assert.Equal("unknown user", signIns[6].Record.Detail);
        Assert.DoesNotContain(signIns, e => e.Record.Parameters.Values.Any(v => v.Contains("password", StringComparison.Ordinal)));

        // Another user is not affected, and success is audited too.
        using var ok = await server.SignInAsync(RunningServer.AgencyA, Roles.Supervisor);
        var last = (await server.AuditEntriesAsync()).Last();
        Assert.Equal(("auth.sign-in", "ok", Roles.Supervisor), (last.Record.Action, last.Record.Outcome, last.Record.Role));
    }


    [Fact]
    public async Task Secrets_are_not_stored_in_clear()
    {
        await using var server = await RunningServer.StartAsync();
        using var client = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        string token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        await server.StopAsync();
        byte[] db = await File.ReadAllBytesAsync(Path.Combine(server.Directory, "accounts", "accounts.db"), Ct);
        string wal = Path.Combine(server.Directory, "accounts", "accounts.db-wal");
        byte[] all = [.. db, .. File.Exists(wal) ? await File.ReadAllBytesAsync(wal, Ct) : []];
        foreach (string secret in new[] { token, server.CameraKeyA, RunningServer.Password })
            Assert.True(all.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)) < 0, "a secret is stored in clear");
        Assert.DoesNotContain(server.CameraKeyA, await File.ReadAllTextAsync(server.AuditFile, Ct), StringComparison.Ordinal);
    }
}
