using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platewatch.Cli.Tests;

/// <summary>The real <c>platewatch serve</c> process: searched through the CLI, and killed with SIGKILL under load.</summary>
public sealed class ServerProcessTests
{
    private const string Password = "a-long-test-password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An agency, an investigator and a camera key, made with the admin commands as an operator would.</summary>
    private static async Task<string> BootstrapAsync(CliRunner cli)
    {
        Assert.Equal(0, (await cli.RunAsync("admin", "create-agency", "pd", "--name", "Test PD")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("admin", "create-user", "ines", "--agency", "pd", "--role", "investigator", "--password", Password)).ExitCode);
        var key = await cli.RunAsync("admin", "create-camera-key", "--agency", "pd", "--camera", "pole-1", "--json");
        Assert.Equal(0, key.ExitCode);
        return JsonDocument.Parse(key.Stdout).RootElement.GetProperty("key").GetString()!;
    }

    private static async Task<(Process Server, HttpClient Http)> ServeAsync(CliRunner cli, int port)
    {
        var server = cli.Start("serve", "--urls", $"http://127.0.0.1:{port}");
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await CliRunner.WaitReadyAsync(http, server);
        return (server, http);
    }

    private static Dictionary<string, object> Read(string plate, DateTimeOffset at) => new()
    {
        ["id"] = Guid.CreateVersion7(at).ToString(),
        ["plate"] = plate,
        ["confidence"] = 0.9,
        ["capturedAt"] = at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["location"] = new Dictionary<string, double> { ["lat"] = 47.6, ["lon"] = -122.3 },
    };

    [Fact]
    public async Task Search_with_url_goes_through_the_server_and_is_audited_there()
    {
        using var cli = new CliRunner();
        string key = await BootstrapAsync(cli);
        var (server, http) = await ServeAsync(cli, CliRunner.FreePort());
        try
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var at = DateTimeOffset.UtcNow.AddMinutes(-10);
            (await http.PostAsJsonAsync("/api/v1/reads", new[] { Read("URL1234", at), Read("URL9999", at) }, Ct)).EnsureSuccessStatusCode();

            var env = new Dictionary<string, string> { ["PLATEWATCH_PASSWORD"] = Password };
            var found = await cli.RunWithAsync(env, "search", "--url", http.BaseAddress!.ToString(), "--username", "ines",
                "--plate", "URL12*", "--purpose", "stolen-vehicle", "--case", "24-100", "--json");
            Assert.True(found.ExitCode == 0, found.Stderr);
            var json = JsonDocument.Parse(found.Stdout).RootElement;
            Assert.Equal(1, json.GetProperty("count").GetInt32());
            Assert.Equal("URL1234", json.GetProperty("reads")[0].GetProperty("plate").GetString());

            var refused = await cli.RunWithAsync(env, "search", "--url", http.BaseAddress!.ToString(), "--username", "ines",
                "--plate", "URL1234", "--purpose", "curiosity", "--case", "24-100");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("curiosity", refused.Stderr, StringComparison.Ordinal);

            var wrongPassword = await cli.RunWithAsync(new Dictionary<string, string> { ["PLATEWATCH_PASSWORD"] = "nope" }, "search", "--url", http.BaseAddress!.ToString(),
                "--username", "ines", "--plate", "URL1234", "--purpose", "stolen-vehicle", "--case", "24-100");
            Assert.NotEqual(0, wrongPassword.ExitCode);
            Assert.Contains("Sign-in", wrongPassword.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(Ct);
            http.Dispose();
        }

        // The audit entry was written by the server, under the signed-in user, with the ids it returned.
        string audit = await File.ReadAllTextAsync(Path.Combine(cli.DataDir, "audit", "audit.jsonl"), Ct);
        Assert.Contains("\"ines\"", audit, StringComparison.Ordinal);
        Assert.Contains("24-100", audit, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("audit", "verify")).ExitCode);
    }

    /// <summary>
    /// The crash test: batches are posted while the server is killed with SIGKILL at random moments, three times.
    /// Every read the server acknowledged must be there after each restart, and the audit chain must verify.
    /// </summary>
    [Fact]
    public async Task Every_acknowledged_read_survives_SIGKILL_during_sustained_ingest()
    {
        using var cli = new CliRunner();
        string key = await BootstrapAsync(cli);
        var acknowledged = new List<string>();
        var random = new Random(20261128);
        int batch = 0;
        for (int round = 0; round < 3; round++)
        {
            int port = CliRunner.FreePort();
            var (server, http) = await ServeAsync(cli, port);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var writer = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var at = DateTimeOffset.UtcNow.AddMinutes(-1);
                    var reads = Enumerable.Range(0, 200).Select(i => Read($"KX{batch:D4}{i:D3}", at)).ToArray();
                    batch++;
                    try
                    {
                        var response = await http.PostAsJsonAsync("/api/v1/reads", reads, stop.Token);
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(stop.Token)).RootElement;
                            lock (acknowledged)
                            {
                                acknowledged.AddRange(body.GetProperty("results").EnumerateArray()
                                    .Where(r => r.GetProperty("status").GetString() is "stored" or "duplicate")
                                    .Select(r => r.GetProperty("id").GetString()!));
                            }
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException or OperationCanceledException or IOException or JsonException)
                    {
                        // The kill cuts requests off mid-flight (a reset racing the connect even surfaces as a bare SocketException);
                        // only what was acknowledged counts.
                    }
                }
            }, Ct);
            await Task.Delay(random.Next(800, 2500), Ct);
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(Ct);
            await stop.CancelAsync();
            await writer;
            http.Dispose();
        }
        Assert.NotEmpty(acknowledged);

        // Paged: the acknowledged reads can outnumber one search's limit.
        var stored = new HashSet<string>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            string[] args = ["search", "--plate", "KX*", "--last", "1d", "--limit", "50000", "--purpose", "stolen-vehicle", "--case", "crash-test", "--agency", "pd", "--json"];
            var search = await cli.RunAsync(after is null ? args : [.. args, "--after", after]);
            Assert.True(search.ExitCode == 0, search.Stderr);
            var page = JsonDocument.Parse(search.Stdout).RootElement;
            foreach (var r in page.GetProperty("reads").EnumerateArray()) stored.Add(r.GetProperty("id").GetString()!);
            after = page.GetProperty("next").GetString();
        }
        while (after is not null);
        var missing = acknowledged.Where(id => !stored.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged reads are missing after SIGKILL, e.g. {string.Join(", ", missing.Take(3))}");
        var verify = await cli.RunAsync("audit", "verify");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        TestContext.Current.TestOutputHelper?.WriteLine($"crash test: 3 SIGKILLs, {acknowledged.Count} acknowledged reads, {stored.Count} stored, 0 missing; audit chain verifies");
    }
}
