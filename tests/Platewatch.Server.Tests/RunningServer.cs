using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Platewatch.Audit;
using Platewatch.Query;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Tests;

/// <summary>
/// A real server on Kestrel at 127.0.0.1 over a fresh data directory (real DuckDB, real audit file, real
/// SQLite accounts), set up the way the CLI's admin commands do it: two agencies, a user per role in each,
/// and a camera key per agency.
/// </summary>
internal sealed class RunningServer : IAsyncDisposable
{
    public const string Password = "correct-horse-battery";
    public const string AgencyA = "agency-a";
    public const string AgencyB = "agency-b";
    public const string CameraA = "cam-a1";
    public const string CameraB = "cam-b1";
    public const double CameraALat = 47.61;
    public const double CameraALon = -122.33;

    private readonly WebApplication _app;

    private RunningServer(string directory, WebApplication app, HttpClient http, string keyA, string keyB)
    {
        Directory = directory;
        _app = app;
        Http = http;
        CameraKeyA = keyA;
        CameraKeyB = keyB;
    }

    public string Directory { get; }

    public HttpClient Http { get; }

    public string CameraKeyA { get; }

    public string CameraKeyB { get; }

    public IServiceProvider Services => _app.Services;

    public string AuditFile => Path.Combine(Directory, "audit", "audit.jsonl");

    public static Task<RunningServer> StartAsync(params string[] args) => StartAsync(null, args);

    public static async Task<RunningServer> StartAsync(ILoggerProvider? logs, params string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        string dir = Path.Combine(Path.GetTempPath(), "platewatch-server-tests", Guid.NewGuid().ToString("N"));
        string keyA, keyB;
        // Few iterations: these tests exercise the flow, not the work factor.
        await using (var data = DataDirectory.Open(dir, new AccountOptions { PasswordIterations = 1000 }))
        {
            var admin = new AccountAdmin(data.Accounts, data.Audit, new Principal("test-operator", "", Roles.Admin), "test");
            foreach (string agency in new[] { AgencyA, AgencyB })
            {
                await admin.CreateAgencyAsync(agency, agency.ToUpperInvariant(), ct);
                foreach (string role in Roles.UserRoles) await admin.CreateUserAsync(agency, User(agency, role), role, Password, ct);
            }
            keyA = (await admin.CreateCameraKeyAsync(AgencyA, CameraA, new Platewatch.Geo.GeoPoint(CameraALat, CameraALon), ct)).Key;
            keyB = (await admin.CreateCameraKeyAsync(AgencyB, CameraB, ct)).Key;
        }
        var app = PlatewatchServer.Build(new ServeSettings(dir, ["http://127.0.0.1:0"], Args: args)
        {
            Logging = logs is null ? null : l => l.AddProvider(logs),
        });
        await app.StartAsync(ct);
        var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        return new RunningServer(dir, app, http, keyA, keyB);
    }

    public static string User(string agency, string role) => $"{role}-{agency}";

    /// <summary>A client that signs in as the user with <paramref name="role"/> in <paramref name="agency"/>.</summary>
    public async Task<HttpClient> SignInAsync(string agency, string role)
    {
        var response = await Http.PostAsJsonAsync("/api/v1/auth/token", new { username = User(agency, role), password = Password }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return Client(doc.RootElement.GetProperty("accessToken").GetString()!);
    }

    public HttpClient Client(string bearer)
    {
        var c = new HttpClient { BaseAddress = Http.BaseAddress };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return c;
    }

    public async Task<List<AuditEntry>> AuditEntriesAsync()
    {
        var list = new List<AuditEntry>();
        foreach (string line in await File.ReadAllLinesAsync(AuditFile, TestContext.Current.CancellationToken))
            if (line.Length > 0) list.Add(AuditChain.ParseEntry(System.Text.Encoding.UTF8.GetBytes(line)));
        return list;
    }

    public async Task StopAsync()
    {
        await _app.StopAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Reads in the Platewatch JSON schema, for posting.</summary>
internal static class Reads
{
    public static Dictionary<string, object?> Read(string plate, DateTimeOffset at, string? camera = null, string? agency = null, Guid? id = null) => new()
    {
        ["id"] = (id ?? Guid.CreateVersion7(at)).ToString(),
        ["plate"] = plate,
        ["confidence"] = 0.9,
        ["capturedAt"] = at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["location"] = new Dictionary<string, double> { ["lat"] = 47.6062, ["lon"] = -122.3321 },
        ["cameraId"] = camera,
        ["agencyId"] = agency,
    };

    public static async Task<JsonElement> PostAsync(HttpClient camera, params object[] reads)
    {
        var response = await camera.PostAsJsonAsync("/api/v1/reads", reads, TestContext.Current.CancellationToken);
        string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
