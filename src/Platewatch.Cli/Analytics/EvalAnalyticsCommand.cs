using System.Collections.Immutable;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Platewatch.Analytics;
using Platewatch.Cli.Simulation;
using Platewatch.Cli.Workspace;
using Platewatch.Geo;
using Platewatch.Query;
using Platewatch.Reads;
using Platewatch.Simulation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Analytics;

internal sealed class EvalAnalyticsSettings : CitySettings
{
    [CommandOption("--truth <FILE>")]
    [Description("Score an existing data directory (--data) against this truth.json instead of simulating a fresh city.")]
    public string? Truth { get; init; }

    [CommandOption("--controls <N>")]
    [Description("Vehicles in no plant run as extra targets, so false associates and convoy members show (default 20).")]
    [DefaultValue(20)]
    public int Controls { get; init; } = 20;

    [CommandOption("--homes <N>")]
    [Description("Street-parked vehicles whose home and work are scored (default 200).")]
    [DefaultValue(200)]
    public int Homes { get; init; } = 200;

    /// <summary>
    /// A week is too little evidence for "repeatedly" and "convoy": most planted pairs share one qualifying day in 7,
    /// and both analyses need two before they accuse anyone. Four weeks, ending where the default city starts, show the
    /// plants as an investigator's usual window would.
    /// </summary>
    protected override (int Days, int StartShift) Defaults => (28, -28);

    [CommandOption("--show-misses")]
    [Description("List every false and missed associate, convoy pair and cloned plate.")]
    public bool ShowMisses { get; init; }
}

/// <summary><c>platewatch eval analytics</c>: the analyses scored against a simulated city's planted truth.</summary>
internal sealed class EvalAnalyticsCommand(IAnsiConsole console) : AsyncCommand<EvalAnalyticsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, EvalAnalyticsSettings settings, CancellationToken cancellationToken)
    {
        string dir;
        GroundTruth truth;
        bool scratch = false;
        long reads = 0;
        if (settings.Truth is { } truthFile)
        {
            dir = settings.DataDirectory;
            await using var fs = File.OpenRead(truthFile);
            truth = GroundTruth.ReadJson(fs);
        }
        else
        {
            scratch = settings.Data is null;
            dir = scratch ? Path.Combine(Path.GetTempPath(), "pw-eval-" + Guid.NewGuid().ToString("N")) : settings.DataDirectory;
            var options = settings.ToOptions();
            WriteSharingConfig(dir, options);
            var sim = new CitySimulator(options);
            await using (var ws = LocalWorkspace.Open(dir, options.AgencyId))
            {
                await new ProgressDisplay(console).RunAsync("simulate", "reads", sim.EstimateReads(), async report =>
                {
                    foreach (var batch in sim.Generate())
                    {
                        var r = await ws.Store.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
                        reads += r.Added;
                        report(reads);
                    }
                    await ws.Store.CompactAllAsync(cancellationToken).ConfigureAwait(false);
                    return 0;
                }).ConfigureAwait(false);
            }
            truth = sim.Truth;
            await using var tf = File.Create(Path.Combine(dir, "truth.json"));
            truth.WriteJson(tf);
        }

        try
        {
            await using var ws = LocalWorkspace.Open(dir);
            if (reads == 0) reads = (await ws.Store.GetStatsAsync(cancellationToken).ConfigureAwait(false)).Reads;
            var planted = Plant(truth, settings.Controls, settings.Homes);
            var caller = new AnalysisCaller(
                new Principal("evaluation", ws.Config.HomeAgency, "investigator"),
                new AccessPurpose("other-felony", "EVAL-" + truth.Seed.ToString(CultureInfo.InvariantCulture), "scoring analytics against simulated ground truth"),
                new AnalysisAuthorization(AuthorizationKind.Warrant, "EVALUATION"),
                "eval");
            var progress = new Progress<string>(m => Console.Error.WriteLine($"eval: {m}"));
            var report = await AnalyticsEvaluation.RunAsync(new InvestigativeAnalytics(ws.Queries), caller, planted, progress, cancellationToken).ConfigureAwait(false);
            Print(settings, truth, reads, report);
        }
        finally
        {
            if (scratch)
            {
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
        }
        return 0;
    }

    /// <summary>The simulated transit agency shares with the police agency, so analyses see the toll and bus cameras too.</summary>
    private static void WriteSharingConfig(string dir, SimulationOptions o)
    {
        string path = Path.Combine(dir, "platewatch.json");
        if (File.Exists(path)) return;
        Directory.CreateDirectory(dir);
        var policies = new List<DataPolicy> { DataPolicy.DefaultFor(o.AgencyId) };
        if (o.TransitAgencyId is { } transit) policies.Add(DataPolicy.DefaultFor(transit) with { SharingPartners = [o.AgencyId] });
        var config = new WorkspaceConfig { HomeAgency = o.AgencyId, Policies = [.. policies] };
        File.WriteAllText(path, JsonSerializer.Serialize(config, WorkspaceJsonContext.Default.WorkspaceConfig));
    }

    internal static PlantedTruth Plant(GroundTruth t, int controls, int homes)
    {
        var planted = new HashSet<int>();
        foreach (var a in t.Associates) { planted.Add(a.A.Vehicle); planted.Add(a.B.Vehicle); }
        foreach (var c in t.Convoys) foreach (var m in c.Members) planted.Add(m.Vehicle);
        var clonedPlates = t.ClonedPlates.Select(c => c.Plate).ToHashSet(StringComparer.Ordinal);
        foreach (var c in t.ClonedPlates) { planted.Add(c.OriginalVehicle); planted.Add(c.CloneVehicle); }
        var plain = t.Vehicles.Where(v => !planted.Contains(v.Index) && !clonedPlates.Contains(v.Plate)).ToList();
        static List<T> Spread<T>(List<T> list, int n) => n <= 0 || list.Count == 0 ? [] : [.. Enumerable.Range(0, Math.Min(n, list.Count)).Select(i => list[(int)((long)i * list.Count / Math.Min(n, list.Count))])];
        var parked = plain.Where(v => v.StreetParkedAtHome).ToList();
        return new PlantedTruth
        {
            Range = new TimeRange(t.Start, t.Start.AddDays(t.Days)),
            UtcOffset = t.UtcOffset,
            Associates = [.. t.Associates.Select(a => (a.A.Plate, a.B.Plate))],
            Convoys = [.. t.Convoys.Select(c => c.Members.Select(m => m.Plate).ToImmutableArray())],
            ClonedPlates = [.. clonedPlates],
            Vehicles = [.. Spread(parked, homes).Select(v => new PlantedVehicle(v.Plate, new GeoPoint(v.Home.Lat, v.Home.Lon), v.Work is { } w ? new GeoPoint(w.Lat, w.Lon) : null))],
            Controls = [.. Spread(plain, controls).Select(v => v.Plate)],
        };
    }

    private void Print(EvalAnalyticsSettings s, GroundTruth t, long reads, EvaluationReport r)
    {
        if (s.Json)
        {
            AnalyticsOutput.Write(new EvaluationJson(t.Vehicles.Count, t.Days, t.Seed, (int)reads,
                r.Associates.Precision, r.Associates.Recall, r.Associates.F1, r.Convoys.Precision, r.Convoys.Recall, r.Convoys.F1,
                r.Homes.Share, r.Homes.ShareOfObservable, r.Works.Share, r.Works.ShareOfObservable, r.Cloned.Precision, r.Cloned.Recall,
                r.Runs, Math.Round(r.Elapsed.TotalSeconds, 1), r.Misses));
            return;
        }
        var inv = CultureInfo.InvariantCulture;
        string P(double v) => (v * 100).ToString("F1", inv) + " %";
        var table = new Table().AddColumns("analysis", "measure", "value", "detail");
        void Pr(string name, PrecisionRecall pr)
        {
            table.AddRow(name, "precision", P(pr.Precision), $"{pr.TruePositives} of {pr.Predicted} reported");
            table.AddRow("", "recall", P(pr.Recall), $"{pr.TruthFound} of {pr.Truth} planted");
            table.AddRow("", "F1", pr.F1.ToString("F3", inv), "");
        }
        Pr("associates (pairs)", r.Associates);
        Pr("convoys (pairs)", r.Convoys);
        table.AddRow("usual places", "homes within 150 m", P(r.Homes.Share), $"{r.Homes.Found} of {r.Homes.Scored} street-parked vehicles; {P(r.Homes.ShareOfObservable)} of the {r.Homes.Observable} read at home at night");
        table.AddRow("", "work within 150 m", P(r.Works.Share), $"{r.Works.Found} of {r.Works.Scored}; {P(r.Works.ShareOfObservable)} of the {r.Works.Observable} read near work");
        table.AddRow("cloned plates", "precision", P(r.Cloned.Precision), $"{r.Cloned.TruePositives} of {r.Cloned.Predicted} flagged");
        table.AddRow("", "recall", P(r.Cloned.Recall), $"{r.Cloned.TruthFound} of {r.Cloned.Truth} planted");
        console.Write(table);
        console.MarkupLine(Markup.Escape($"{t.Vehicles.Count} vehicles, {t.Days} days, seed {t.Seed}, {reads:N0} reads; {r.Runs} audited analysis runs in {r.Elapsed.TotalSeconds:F1} s."));
        if (s.ShowMisses)
        {
            foreach (var m in r.Misses) console.MarkupLine(Markup.Escape(m));
        }
    }
}
