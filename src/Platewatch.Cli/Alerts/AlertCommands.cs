using Spectre.Console.Cli;

namespace Platewatch.Cli.Alerts;

/// <summary>Hotlist and alert commands.</summary>
internal static class AlertCommands
{
    public static void Register(IConfigurator config) =>
        config.AddBranch("hotlist", hotlist =>
        {
            hotlist.SetDescription("Hotlists, offline (stop the server first): create a list, import a file into it. Audited.");
            hotlist.AddCommand<HotlistCreateCommand>("create")
                .WithDescription("Create a hotlist owned by an agency; prints its id.")
                .WithExample("hotlist", "create", "ncic", "--agency", "demo-pd", "--source", "NCIC", "--refresh-hours", "12");
            hotlist.AddCommand<HotlistImportCommand>("import")
                .WithDescription("Replace a list's contents with a file (csv: our columns; ncic: the documented or a --layout mapping). Bad rows: file:line: reason, exit code 3.")
                .WithExample("hotlist", "import", "hl-0123456789ab", "ncic.txt", "--format", "ncic");
        });

    public static void RegisterBench(IConfigurator<CommandSettings> bench)
    {
        bench.AddCommand<BenchMatchCommand>("match")
            .WithDescription("Hotlist matching throughput on one thread: 1M entries, exact and misread-tolerant, with candidates.")
            .WithExample("bench", "match", "--entries", "1000000");
        bench.AddCommand<BenchAlertsCommand>("alerts")
            .WithDescription("Alert latency from the ingest ack to the webhook and the live feed, under background ingest, with 1M entries.")
            .WithExample("bench", "alerts", "--entries", "1000000", "--ingest-rate", "5000");
    }
}
