using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Platewatch.Agent.Tests.Support;

/// <summary>
/// A real 'platewatch serve' on 127.0.0.1 over a fresh data directory, bootstrapped with the admin commands (an agency,
/// an investigator, a camera key per camera). It can be stopped and started again on the same port: an outage.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    public const string Agency = "test-pd";
    private const string User = "ivy";
    private const string Password = "correct-horse-battery";

    private PlatewatchProcess? _serve;

    private ServerProcess(string workDir, int port)
    {
        WorkDir = workDir;
        Port = port;
    }

    public string WorkDir { get; }
    public int Port { get; }
    public string DataDir => Path.Combine(WorkDir, "server-data");
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public Dictionary<string, string> CameraKeys { get; } = [];

    public static async Task<ServerProcess> CreateAsync(string workDir, params string[] cameras)
    {
        var s = new ServerProcess(workDir, FreePort());
        await s.AdminAsync("admin", "create-agency", Agency, "--name", "Test PD", "-d", s.DataDir);
        await s.AdminAsync("admin", "create-user", User, "--agency", Agency, "--role", "investigator", "--password", Password, "-d", s.DataDir);
        foreach (string camera in cameras)
        {
            var made = await s.AdminAsync("admin", "create-camera-key", "--agency", Agency, "--camera", camera, "--json", "-d", s.DataDir);
            using var doc = JsonDocument.Parse(made.Stdout.Trim().Split('\n')[^1]);
            s.CameraKeys[camera] = doc.RootElement.GetProperty("key").GetString()!;
        }
        return s;
    }

    private async Task<ExeResult> AdminAsync(params string[] args)
    {
        var r = await PlatewatchProcess.RunAsync(WorkDir, args);
        Assert.True(r.ExitCode == 0, $"platewatch {string.Join(' ', args)} failed: {r.Stderr}{r.Stdout}");
        return r;
    }

    public async Task StartAsync()
    {
        _serve = PlatewatchProcess.Start(WorkDir, "serve", "-d", DataDir, "--urls", Url.ToString().TrimEnd('/'));
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            try
            {
                if ((await http.GetAsync("health/ready", TestContext.Current.CancellationToken)).IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException or IOException) { }
            catch (TaskCanceledException) { }
            Assert.False(_serve.HasExited, $"platewatch serve exited: {_serve.Output}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"platewatch serve did not become ready: {_serve.Output}");
    }

    public async Task StopAsync()
    {
        if (_serve is null) return;
        await _serve.DisposeAsync();
        _serve = null;
    }

    /// <summary>Every read the camera's key stored, through the audited search an investigator would run.</summary>
    public async Task<List<JsonElement>> ReadsAsync(string camera)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient { BaseAddress = Url };
        var token = await http.PostAsJsonAsync("api/v1/auth/token", new { username = User, password = Password }, ct);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        using var tdoc = JsonDocument.Parse(await token.Content.ReadAsStringAsync(ct));
        http.DefaultRequestHeaders.Authorization = new("Bearer", tdoc.RootElement.GetProperty("accessToken").GetString());
        string from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-30).ToString("O"));
        string to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"));
        var response = await http.GetAsync($"api/v1/reads?camera={camera}&from={from}&to={to}&limit=1000&purpose=stolen-vehicle&caseNumber=T-1", ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, body);
        using var doc = JsonDocument.Parse(body);
        return [.. doc.RootElement.GetProperty("reads").EnumerateArray().Select(e => e.Clone())];
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
