using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;

namespace Platewatch.Server.Tests;

internal static class Ports
{
    public static int Free()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>
/// A real SMTP server on 127.0.0.1: Debian's python3-aiosmtpd with its Mailbox handler, which writes every
/// message it accepts into a Maildir. Installed by .ci/run and scripts/setup.sh.
/// </summary>
internal sealed class SmtpServer : IDisposable
{
    private readonly Process _process;

    private SmtpServer(Process process, int port, string maildir)
    {
        _process = process;
        Port = port;
        Maildir = maildir;
    }

    public int Port { get; }

    public string Maildir { get; }

    /// <summary>A Python that has aiosmtpd, or null.</summary>
    public static string? FindPython()
    {
        foreach (string python in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo(python, ["-c", "import aiosmtpd"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
                p.WaitForExit(10_000);
                if (p.ExitCode == 0) return python;
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
        return null;
    }

    public static async Task<SmtpServer> StartAsync()
    {
        string? python = FindPython();
        if (python is null) Assert.Skip("No python3 with aiosmtpd here (apt-get install python3-aiosmtpd; .ci/run does).");
        string maildir = Path.Combine(Path.GetTempPath(), "pw-smtp-" + Guid.NewGuid().ToString("N"));
        int port = Ports.Free();
        var p = Process.Start(new ProcessStartInfo(python!, ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var server = new SmtpServer(p, port, maildir);
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
        server.Dispose();
        throw new InvalidOperationException("aiosmtpd did not start listening");
    }

    public string[] Messages() => Directory.Exists(Path.Combine(Maildir, "new")) ? [.. Directory.GetFiles(Path.Combine(Maildir, "new")).Select(File.ReadAllText)] : [];

    public void Dispose()
    {
        try { _process.Kill(); } catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(Maildir, recursive: true); } catch (IOException) { }
    }
}

internal sealed record Received(string Body, byte[] Bytes, string? Signature, string? Timestamp, string? Delivery)
{
    public string? Authorization { get; init; }
    public string? Query { get; init; }
}

/// <summary>A webhook receiver on Kestrel at 127.0.0.1 that checks signatures and refuses replays, as a subscriber would.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentQueue<Received> Requests { get; } = new();

    public ConcurrentQueue<string> Verdicts { get; } = new();

    /// <summary>Set once the subscription (and so the secret) exists.</summary>
    public Platewatch.Server.Alerts.WebhookVerifier? Verifier { get; set; }

    public static async Task<WebhookReceiver> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        WebhookReceiver? self = null;
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var ms = new MemoryStream();
            await http.Request.Body.CopyToAsync(ms);
            byte[] bytes = ms.ToArray();
            var r = new Received(System.Text.Encoding.UTF8.GetString(bytes), bytes, http.Request.Headers["X-Platewatch-Signature"], http.Request.Headers["X-Platewatch-Timestamp"],
                http.Request.Headers["X-Platewatch-Delivery"])
            {
                Authorization = http.Request.Headers.Authorization,
                Query = http.Request.Query["to"],
            };
            self!.Requests.Enqueue(r);
            var verdict = self.Verifier?.Verify(r.Signature, r.Timestamp, r.Delivery, bytes) ?? Platewatch.Server.Alerts.WebhookVerifier.Result.Accepted;
            self.Verdicts.Enqueue(verdict.ToString());
            return verdict switch
            {
                Platewatch.Server.Alerts.WebhookVerifier.Result.Accepted => Results.Ok(),
                Platewatch.Server.Alerts.WebhookVerifier.Result.Replayed => Results.Conflict(),
                _ => Results.Unauthorized(),
            };
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        self = new WebhookReceiver(app, app.Urls.First() + "/hook");
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

internal static class Wait
{
    public static async Task<T> ForAsync<T>(Func<Task<T?>> probe, string what, int seconds = 15)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (await probe() is { } v) return v;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"gave up waiting for {what}");
    }
}

/// <summary>The hotlist and alert API, as a supervisor and an investigator use it.</summary>
internal static class Api
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<string> CreateListAsync(HttpClient supervisor, string name = "stolen", double refreshHours = 24)
    {
        var r = await supervisor.PostAsJsonAsync("/api/v1/hotlists", new { name, source = "agency", refreshIntervalHours = refreshHours }, Ct);
        return (await JsonAsync(r, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> AddEntryAsync(HttpClient supervisor, string list, string plate, string region = "US-WA", string category = "stolen-vehicle",
        string? type = null, DateTimeOffset? expires = null, string caseNumber = "24-100")
    {
        var r = await supervisor.PostAsJsonAsync($"/api/v1/hotlists/{list}/entries", new
        {
            plate, region, category, reason = "stolen from lot", caseNumber, priority = 70, type, expiresAt = expires,
        }, Ct);
        return await JsonAsync(r, HttpStatusCode.Created);
    }

    public static Dictionary<string, object?> Read(string plate, string region = "US-WA", string? vehicleType = null, string[]? candidates = null, DateTimeOffset? at = null)
    {
        var read = Reads.Read(plate, at ?? DateTimeOffset.UtcNow.AddSeconds(-1), RunningServer.CameraA, RunningServer.AgencyA);
        read["region"] = region;
        if (vehicleType is not null) read["vehicle"] = new Dictionary<string, string> { ["type"] = vehicleType, ["colour"] = "red" };
        if (candidates is not null) read["candidates"] = candidates.Select(c => new Dictionary<string, object> { ["plate"] = c, ["confidence"] = 0.4 }).ToArray();
        return read;
    }

    public static async Task<JsonElement[]> AlertsAsync(HttpClient user, string? status = null)
    {
        var r = await user.GetAsync("/api/v1/alerts" + (status is null ? "" : "?status=" + status), Ct);
        return [.. (await JsonAsync(r, HttpStatusCode.OK)).GetProperty("alerts").EnumerateArray()];
    }
}
