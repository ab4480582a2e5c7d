using Platewatch.Analytics;
using Platewatch.Cli.Workspace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Analytics;

/// <summary>Registers <c>analyze KIND</c> and <c>eval analytics</c>.</summary>
internal static class AnalyticsCommands
{
    public static void Register(IConfigurator config)
    {
        config.AddBranch("analyze", analyze =>
        {
            analyze.SetDescription("Investigative analytics over the embedded store. Each run needs --purpose and --case (and --authorization for the intrusive ones) and is audited with the plates it returns.");
            analyze.AddCommand<HistoryCommand>("history").WithDescription("A plate's reads in a window, with places and cameras.")
                .WithExample("analyze", "history", "ABC1234", "--last", "30d", "--purpose", "stolen-vehicle", "--case", "24-1");
            analyze.AddCommand<PlacesCommand>("places").WithDescription("Usual places: clusters ranked by days, visits and dwell, with a time profile and a likely kind (overnight, weekday daytime).");
            analyze.AddCommand<RoutesCommand>("routes").WithDescription("Common trips as camera sequences, usual departure and arrival, hour-by-weekday activity, first and last sighting of each day.");
            analyze.AddCommand<AssociatesCommand>("associates").WithDescription("Vehicles repeatedly seen near the target, scored against their own habits so busy places and commuters do not rank.")
                .WithExample("analyze", "associates", "ABC1234", "--last", "90d", "--purpose", "homicide", "--case", "24-9", "--authorization", "warrant:W-123");
            analyze.AddCommand<ConvoyCommand>("convoy").WithDescription("Vehicles that pass at least k of the target's cameras within seconds of it on one trip.");
            analyze.AddCommand<StakeoutCommand>("stakeout").WithDescription("Plates seen in an area during a window, or in at least m of several areas and windows.");
            analyze.AddCommand<ClonedCommand>("cloned").WithDescription("Impossible travel: one plate at two places closer in time than any vehicle could make it; one plate or a sweep.");
        });
        config.AddCommand<EvalAnalyticsCommand>(EvalCommandName)
            .WithDescription("Simulate a city (or use --truth with its data directory), run the analyses over the planted truth and print precision, recall and F1. Also: 'eval analytics'.")
            .WithExample("eval", "analytics")
            .WithExample("eval", "analytics", "--days", "7", "--start", "2026-11-02");
    }

    public const string EvalCommandName = "eval-analytics";

    /// <summary>
    /// 'eval DATASET' scores the recognizer and takes any path, so 'eval analytics' cannot be a sub-command of it;
    /// it is routed to <see cref="EvalCommandName"/> unless a directory of that name is what the user means.
    /// </summary>
    public static string[] RouteEval(string[] args) =>
        args is ["eval", "analytics", ..] && !Directory.Exists("analytics") ? [EvalCommandName, .. args[2..]] : args;
}

internal abstract class AnalyzeCommand<TSettings>(IAnsiConsole console) : AsyncCommand<TSettings>
    where TSettings : AnalyzeSettings
{
    protected IAnsiConsole Console { get; } = console;

    public override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        await using var ws = LocalWorkspace.Open(settings.DataDirectory);
        var analytics = new InvestigativeAnalytics(ws.Queries);
        await RunAsync(analytics, settings.Caller(ws), settings, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    protected abstract Task RunAsync(InvestigativeAnalytics analytics, AnalysisCaller caller, TSettings settings, DateTimeOffset now, CancellationToken ct);
}

internal sealed class HistoryCommand(IAnsiConsole console) : AnalyzeCommand<VehicleAnalyzeSettings>(console)
{
    protected override async Task RunAsync(InvestigativeAnalytics analytics, AnalysisCaller caller, VehicleAnalyzeSettings s, DateTimeOffset now, CancellationToken ct) =>
        AnalyticsOutput.Write(Console, s.Json, await analytics.HistoryAsync(caller, s.Query(now), ct).ConfigureAwait(false));
}

internal sealed class PlacesCommand(IAnsiConsole console) : AnalyzeCommand<PlacesSettings>(console)
{
    protected override async Task RunAsync(InvestigativeAnalytics analytics, AnalysisCaller caller, PlacesSettings s, DateTimeOffset now, CancellationToken ct) =>
        AnalyticsOutput.Write(Console, s.Json, await analytics.PlacesAsync(caller, s.Query(now), new PlacesOptions { RadiusMeters = s.Radius }, ct).ConfigureAwait(false));
}

internal sealed class RoutesCommand(IAnsiConsole console) : AnalyzeCommand<VehicleAnalyzeSettings>(console)
{
    protected override async Task RunAsync(InvestigativeAnalytics analytics, AnalysisCaller caller, VehicleAnalyzeSettings s, DateTimeOffset now, CancellationToken ct) =>
        AnalyticsOutput.Write(Console, s.Json, await analytics.RoutesAsync(caller, s.Query(now), null, ct).ConfigureAwait(false));
}

internal sealed class AssociatesCommand(IAnsiConsole console) : AnalyzeCommand<AssociatesSettings>(console)
{
    protected override async Task RunAsync(InvestigativeAnalytics analytics, AnalysisCaller caller, AssociatesSettings s, DateTimeOffset now, CancellationToken ct)
    {
        var o = new AssociatesOptions { RadiusMeters = s.Radius, Window = TimeSpan.FromSeconds(s.Window), MinDays = s.MinDays, MinScore = s.MinScore, MinShare = s.MinShare };
        AnalyticsOutput.Write(Console, s.Json, await analytics.AssociatesAsync(caller, s.Query(now), o, ct).ConfigureAwait(false));
    }
}

internal sealed class ConvoyCommand(IAnsiConsole console) : AnalyzeCommand<ConvoySettings>(console)
{
    protected override async Task RunAsync(InvestigativeAnalytics analytics, AnalysisCaller caller, ConvoySettings s, DateTimeOffset now, CancellationToken ct)
    {
        var o = new ConvoyOptions { MinCameras = s.K, Window = TimeSpan.FromSeconds(s.Window), MinDays = s.MinDays };
        AnalyticsOutput.Write(Console, s.Json, await analytics.ConvoyAsync(caller, s.Query(now), o, ct).ConfigureAwait(false));
    }
}

internal sealed class StakeoutCommand(IAnsiConsole console) : AnalyzeCommand<StakeoutSettings>(console)
{
    protected override async Task RunAsync(InvestigativeAnalytics analytics, AnalysisCaller caller, StakeoutSettings s, DateTimeOffset now, CancellationToken ct) =>
        AnalyticsOutput.Write(Console, s.Json, await analytics.StakeoutAsync(caller, s.Options(), ct).ConfigureAwait(false));
}

internal sealed class ClonedCommand(IAnsiConsole console) : AnalyzeCommand<ClonedSettings>(console)
{
    protected override async Task RunAsync(InvestigativeAnalytics analytics, AnalysisCaller caller, ClonedSettings s, DateTimeOffset now, CancellationToken ct)
    {
        var o = new ClonedOptions
        {
            Plate = s.Plate is null ? null : Plates.PlateText.Normalize(s.Plate),
            Range = s.Range(now, s.Plate is null ? TimeSpan.FromDays(1) : null),
            MaxSpeedKmh = s.MaxKmh,
            MinConflicts = s.MinConflicts,
        };
        AnalyticsOutput.Write(Console, s.Json, await analytics.ClonedAsync(caller, o, ct).ConfigureAwait(false));
    }
}
