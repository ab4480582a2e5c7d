using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Platewatch.Cli.Tests;

/// <summary>
/// The outbox across a crash, with the real <c>platewatch serve</c>: an alert is persisted, its webhook cannot be
/// reached, the server is killed with SIGKILL, the receiver comes up, the server restarts: the alert arrives once.
/// </summary>
public sealed class AlertCrashTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Password = "correct-horse-battery";
    private readonly CliRunner _cli = new();

    private Process Serve(int port) => _cli.Start(
        new Dictionary<string, string>
        {
            ["PLATEWATCH_Alerts__FirstBackoffSeconds"] = "0.2",
            ["PLATEWATCH_Alerts__MaxBackoffSeconds"] = "0.4",
            ["PLATEWATCH_Alerts__MaxAttempts"] = "1000",
        },
        "serve", "--urls", $"http://127.0.0.1:{port}");

    private async Task<JsonElement> CliJsonAsync(params string[] args)
    {
        var r = await _cli.RunAsync(args);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    [Fact]
    public async Task An_alert_persisted_before_a_crash_is_delivered_exactly_once_after_restart()
    {
        Assert.Equal(0, (await _cli.RunAsync("admin", "create-agency", "pd", "--name", "PD")).ExitCode);
        await CliJsonAsync("admin", "create-user", "sup", "--agency", "pd", "--role", "supervisor", "--password", Password, "--json");
        string cameraKey = (await CliJsonAsync("admin", "create-camera-key", "--agency", "pd", "--camera", "cam-1", "--json")).GetProperty("key").GetString()!;

        int port = CliRunner.FreePort(), hookPort = CliRunner.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var server = Serve(port);
        try
        {
            await CliRunner.WaitReadyAsync(http, server);
            var token = await (await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "sup", password = Password }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
            using var sup = new HttpClient { BaseAddress = http.BaseAddress };
            sup.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
            var list = await (await sup.PostAsJsonAsync("/api/v1/hotlists", new { name = "stolen", source = "agency", refreshIntervalHours = 24 }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
            string listId = list.GetProperty("id").GetString()!;
            var added = await sup.PostAsJsonAsync($"/api/v1/hotlists/{listId}/entries", new { plate = "CRASH01", region = "US-WA", category = "stolen-vehicle", reason = "stolen", caseNumber = "24-1" }, Ct);
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            var sub = await (await sup.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "webhook", target = $"http://127.0.0.1:{hookPort}/hook/" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
            string secret = sub.GetProperty("webhookSecret").GetString()!;

            using var camera = new HttpClient { BaseAddress = http.BaseAddress };
            camera.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cameraKey);
            var at = DateTimeOffset.UtcNow.AddSeconds(-1);
            var ack = await camera.PostAsJsonAsync("/api/v1/reads", new[]
            {
                new Dictionary<string, object>
                {
                    ["id"] = Guid.CreateVersion7(at).ToString(), ["plate"] = "CRASH01", ["region"] = "US-WA", ["confidence"] = 0.9, ["capturedAt"] = at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["location"] = new Dictionary<string, double> { ["lat"] = 47.6, ["lon"] = -122.3 }, ["cameraId"] = "cam-1", ["agencyId"] = "pd",
                },
            }, Ct);
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
            // The ack came after the alert was written: it is in the outbox now, and its receiver is down.
            var alerts = await (await sup.GetAsync("/api/v1/alerts", Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal(1, alerts.GetProperty("count").GetInt32());
            await Task.Delay(700, Ct); // a few failed attempts, with backoff

            server.Kill(); // SIGKILL: no shutdown code runs
            await server.WaitForExitAsync(Ct);
            server.Dispose();

            using var receiver = new HttpListener();
            receiver.Prefixes.Add($"http://127.0.0.1:{hookPort}/hook/");
            receiver.Start();
            var received = new List<(string Body, string Signature, string Timestamp, string Delivery)>();
            var listening = Task.Run(async () =>
            {
                while (receiver.IsListening)
                {
                    HttpListenerContext ctx;
                    try { ctx = await receiver.GetContextAsync(); } catch (HttpListenerException) { return; } catch (ObjectDisposedException) { return; }
                    using var sr = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
                    string body = await sr.ReadToEndAsync();
                    lock (received) received.Add((body, ctx.Request.Headers["X-Platewatch-Signature"]!, ctx.Request.Headers["X-Platewatch-Timestamp"]!, ctx.Request.Headers["X-Platewatch-Delivery"]!));
                    ctx.Response.StatusCode = 200;
                    ctx.Response.Close();
                }
            }, Ct);

            server = Serve(port);
            await CliRunner.WaitReadyAsync(http, server);
            for (int i = 0; i < 150 && received.Count == 0; i++) await Task.Delay(100, Ct);
            await Task.Delay(1500, Ct); // time for any duplicate to show up
            receiver.Stop();

            var only = Assert.Single(received);
            Assert.Contains("\"CRASH01\"", only.Body, StringComparison.Ordinal);
            byte[] signed = Encoding.UTF8.GetBytes($"{only.Timestamp}.{only.Delivery}.{only.Body}");
            Assert.Equal("v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed)), only.Signature);
        }
        finally
        {
            if (!server.HasExited) server.Kill();
            server.Dispose();
        }
    }

    [Fact]
    public async Task Hotlist_import_reports_bad_rows_by_line_and_exits_3()
    {
        Assert.Equal(0, (await _cli.RunAsync("admin", "create-agency", "pd", "--name", "PD")).ExitCode);
        string id = (await CliJsonAsync("hotlist", "create", "ncic", "--agency", "pd", "--source", "NCIC", "--refresh-hours", "12", "--json")).GetProperty("id").GetString()!;
        string file = _cli.PathOf("list.csv");
        await File.WriteAllLinesAsync(file, ["plate,region,category,reason,case_number", "ABC123,US-WA,stolen-plate,stolen,24-1", "XYZ9,US-WA,stolen-plate,,24-2"], Ct);
        var r = await _cli.RunAsync("hotlist", "import", id, file);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("list.csv:3: a reason is required", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("1 entries imported", r.Stdout, StringComparison.Ordinal);
        var missing = await _cli.RunAsync("hotlist", "import", "hl-nope", file);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();
}
