using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Tests;

public sealed class OperationsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose() { }

        private sealed class Logger(CapturedLogs owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue((logLevel, category, formatter(state, exception)));
        }
    }

    [Fact]
    public async Task No_plate_or_secret_is_logged_at_information_or_above()
    {
        var logs = new CapturedLogs();
        await using var server = await RunningServer.StartAsync(logs);
        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Reads.Read("LOGME12", DateTimeOffset.UtcNow));
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        string token = inv.DefaultRequestHeaders.Authorization!.Parameter!;
        await inv.GetAsync("/api/v1/reads?plate=LOGME12&purpose=stolen-vehicle&caseNumber=24-1", Ct);
        await inv.GetAsync("/api/v1/reads/export?plate=LOGME12&purpose=stolen-vehicle&caseNumber=24-1", Ct);
        Assert.Contains(logs.Lines, l => l.Category == "Microsoft.Hosting.Lifetime");
        foreach (var (level, category, message) in logs.Lines.Where(l => l.Level >= LogLevel.Information))
        {
            foreach (string secret in new[] { "LOGME12", token, server.CameraKeyA, RunningServer.Password })
                Assert.False(message.Contains(secret, StringComparison.Ordinal), $"{category} logged a plate or secret: {message}");
        }
    }

    [Fact]
    public async Task Ingest_search_and_audit_are_measured()
    {
        var totals = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == ServerMetrics.MeterName) l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => totals.AddOrUpdate(i.Name, v, (_, t) => t + v));
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => totals.AddOrUpdate(i.Name + ".count", 1, (_, t) => t + 1));
        listener.Start();

        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyA);
        var read = Reads.Read("METER1", DateTimeOffset.UtcNow);
        await Reads.PostAsync(camera, read, read, Reads.Read("!!", DateTimeOffset.UtcNow));
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        var response = await inv.GetAsync("/api/v1/reads?plate=METER1&purpose=stolen-vehicle&caseNumber=24-1", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Other tests run servers in parallel on the same static meter, so these are lower bounds.
        Assert.True(totals.GetValueOrDefault("platewatch.reads.stored") >= 1);
        Assert.True(totals.GetValueOrDefault("platewatch.reads.duplicate") >= 1);
        Assert.True(totals.GetValueOrDefault("platewatch.reads.rejected") >= 1);
        Assert.True(totals.GetValueOrDefault("platewatch.query.duration.count") >= 1);
        Assert.True(totals.GetValueOrDefault("platewatch.audit.appends") >= 2);
    }

    [Fact]
    public async Task Health_is_open_and_the_openapi_document_lists_the_api_for_signed_in_users()
    {
        await using var server = await RunningServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/live", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/ready", Ct)).StatusCode);
        using var inv = await server.SignInAsync(RunningServer.AgencyA, Roles.Investigator);
        string doc = await inv.GetStringAsync("/openapi/v1.json", Ct);
        foreach (string path in new[] { "/api/v1/reads", "/api/v1/reads/export", "/api/v1/audit", "/api/v1/auth/token" })
            Assert.Contains($"\"{path}\"", doc, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_server_on_the_same_data_directory_is_refused()
    {
        await using var server = await RunningServer.StartAsync();
        var ex = Assert.Throws<IOException>(() => PlatewatchServer.Build(new ServeSettings(server.Directory, ["http://127.0.0.1:0"])));
        Assert.Contains("in use", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_audit_retention_under_five_years_stops_start_up_with_the_fix()
    {
        string dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "platewatch-server-tests", Guid.NewGuid().ToString("N"))).FullName;
        var ex = Assert.Throws<InvalidOperationException>(() => PlatewatchServer.Build(new ServeSettings(dir, ["http://127.0.0.1:0"], Args: ["--Audit:RetentionYears=2"])));
        Assert.Contains("at least 5 years", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_chain_head_is_checkpointed_while_running_and_at_shutdown()
    {
        await using var server = await RunningServer.StartAsync("--Audit:CheckpointEvery=3");
        using var investigator = await server.SignInAsync(RunningServer.AgencyA, "investigator");
        for (int i = 0; i < 4; i++)
            await investigator.GetAsync($"/api/v1/reads?plate=ABC{i}&purpose=stolen-vehicle&caseNumber=1", TestContext.Current.CancellationToken);
        string checkpoints = Path.Combine(server.Directory, "audit", Platewatch.Audit.FileAuditLog.CheckpointFileName);
        Assert.True(File.Exists(checkpoints));
        await server.StopAsync();
        var last = System.Text.Json.JsonDocument.Parse(File.ReadLines(checkpoints).Last()).RootElement;
        Assert.Equal((await server.AuditEntriesAsync()).Count, last.GetProperty("seq").GetInt64());
        Assert.True(Platewatch.Audit.FileAuditLog.Verify(server.AuditFile).Ok);
    }
}
