using Spectre.Console.Cli;

namespace Platewatch.Cli;

/// <summary>Builds the command tree. Each feature registers its commands from its own folder.</summary>
internal static class PlatewatchApp
{
    public static Task<int> RunAsync(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("platewatch");
            config.PropagateExceptions();
            config.AddCommand<Search.SearchCommand>("search")
                .WithDescription("Search reads by plate (exact, wildcard or misread-tolerant), area, camera and time. Requires --purpose and --case; audited.")
                .WithExample("search", "--plate", "ABC1234", "--last", "90d", "--purpose", "stolen-vehicle", "--case", "24-001234")
                .WithExample("search", "--area", "radius:47.6062,-122.3321,500", "--last", "1h", "--purpose", "hit-and-run", "--case", "24-5", "--format", "geojson");
            config.AddCommand<Ingest.IngestCommand>("ingest")
                .WithDescription("Store reads from a JSON Lines or CSV file. Bad lines are reported with line numbers; the exit code is 3 if any was rejected.");
            config.AddCommand<Retention.PurgeCommand>("purge")
                .WithDescription("Delete reads older than an age or a date (retention). Audited.");
            config.AddCommand<Workspace.StatsCommand>("stats")
                .WithDescription("Counts, time span and bytes on disk of the embedded store.");
            config.AddBranch("audit", audit =>
            {
                audit.SetDescription("The tamper-evident audit log.");
                audit.AddCommand<Audit.AuditVerifyCommand>("verify")
                    .WithDescription("Check the hash chain; names the first modified, deleted, inserted or reordered entry (exit 4).");
            });
            config.AddCommand<Simulation.SimulateCommand>("simulate")
                .WithDescription("Generate a synthetic city's reads (deterministic per seed) into the store or a .jsonl/.csv file, with ground truth.");
            config.AddCommand<Demo.DemoCommand>("demo")
                .WithDescription("Simulate a week of a small city into a fresh data directory and show an example of each search.");
            Recognition.RecognitionCommands.Register(config);
            Analytics.AnalyticsCommands.Register(config);
            config.AddCommand<Server.ServeCommand>("serve")
                .WithDescription("Run the HTTP API (ingest, search, audit) over one data directory.")
                .WithExample("serve", "--data", "./data", "--urls", "http://127.0.0.1:5080");
            Server.AdminCommands.Register(config);
            Alerts.AlertCommands.Register(config);
            Agent.AgentCommand.Register(config);
            config.AddBranch("bench", bench =>
            {
                bench.SetDescription("Macro benchmarks: print a table and write JSON.");
                bench.AddCommand<Bench.BenchStoreCommand>("store")
                    .WithDescription("Ingest rate, bytes per read, the latency of each query kind, and a one-month purge, on N simulated reads.")
                    .WithExample("bench", "store", "--reads", "100000000");
                bench.AddCommand<Bench.BenchIngestCommand>("ingest")
                    .WithDescription("Sustained HTTP ingest in reads/s for batches of 1, 100 and 1000, with p50/p99 acknowledgement latency.")
                    .WithExample("bench", "ingest")
                    .WithExample("bench", "ingest", "--url", "http://127.0.0.1:5080", "--key", "pwc_...");
                Recognition.RecognitionCommands.RegisterBench(bench);
                Agent.AgentCommand.RegisterBench(bench);
                bench.AddCommand<Analytics.BenchAnalyticsCommand>("analytics")
                    .WithDescription("Median time of each analysis, through the gate, on N simulated reads over 90 days.")
                    .WithExample("bench", "analytics", "--reads", "10000000");
                Alerts.AlertCommands.RegisterBench(bench);
            });
        });
        return RunCatchingAsync(app, Analytics.AnalyticsCommands.RouteEval(args));
    }

    private static async Task<int> RunCatchingAsync(CommandApp app, string[] args)
    {
        try
        {
            return await app.RunAsync(args).ConfigureAwait(false);
        }
        catch (CommandAppException ex)
        {
            await Console.Error.WriteLineAsync($"platewatch: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException)
        {
            // search --url, bench ingest: the server named on the command line is not there.
            await Console.Error.WriteLineAsync($"platewatch: cannot reach the server: {ex.Message}; check --url and that platewatch serve is running there").ConfigureAwait(false);
            return 1;
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            await Console.Error.WriteLineAsync($"platewatch: the server did not answer in time: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or InvalidOperationException or UnauthorizedAccessException or Query.AccessDeniedException)
        {
            // ArgumentException appends " (Parameter 'x')": noise for someone at a prompt.
            string message = ex is ArgumentException { ParamName: { } p } ? ex.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal) : ex.Message;
            await Console.Error.WriteLineAsync($"platewatch: {message}").ConfigureAwait(false);
            return 1;
        }
    }
}
