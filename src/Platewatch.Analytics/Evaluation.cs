using System.Collections.Immutable;
using Platewatch.Geo;
using Platewatch.Reads;

namespace Platewatch.Analytics;

/// <summary>A vehicle's planted home and work, for scoring usual places.</summary>
public sealed record PlantedVehicle(string Plate, GeoPoint Home, GeoPoint? Work);

/// <summary>What a simulation planted, in the terms the analyses answer in (the CLI maps the simulator's truth to it).</summary>
public sealed record PlantedTruth
{
    public required TimeRange Range { get; init; }

    public TimeSpan UtcOffset { get; init; }

    public ImmutableArray<(string A, string B)> Associates { get; init; } = [];

    public ImmutableArray<ImmutableArray<string>> Convoys { get; init; } = [];

    public ImmutableArray<string> ClonedPlates { get; init; } = [];

    /// <summary>Vehicles whose home (and work) the usual-places analysis is scored on.</summary>
    public ImmutableArray<PlantedVehicle> Vehicles { get; init; } = [];

    /// <summary>Vehicles in no plant, run as extra targets so that false associates and convoy members can show.</summary>
    public ImmutableArray<string> Controls { get; init; } = [];
}

public sealed record PrecisionRecall(int TruePositives, int Predicted, int Truth)
{
    public double Precision => Predicted == 0 ? (Truth == 0 ? 1 : 0) : (double)TruePositives / Predicted;

    public double Recall => Truth == 0 ? 1 : (double)TruthFound / Truth;

    /// <summary>Truth items found (equal to true positives for sets of pairs and plates).</summary>
    public int TruthFound => TruePositives;

    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);
}

/// <summary>Share of vehicles whose place was found within the distance, over all scored and over those whose place shows in the reads at all.</summary>
public sealed record PlaceScore(int Found, int Observable, int Scored)
{
    public double Share => Scored == 0 ? 0 : (double)Found / Scored;

    public double ShareOfObservable => Observable == 0 ? 0 : (double)Found / Observable;
}

public sealed record EvaluationReport(
    PrecisionRecall Associates,
    PrecisionRecall Convoys,
    PlaceScore Homes,
    PlaceScore Works,
    PrecisionRecall Cloned,
    int Runs,
    TimeSpan Elapsed,
    ImmutableArray<string> Misses);

/// <summary>Runs the analyses over a simulated city's planted truth and scores them. Every run goes through the gate like any other.</summary>
public static class AnalyticsEvaluation
{
    public const double PlaceToleranceMeters = 150;

    public static async Task<EvaluationReport> RunAsync(
        InvestigativeAnalytics analytics,
        AnalysisCaller caller,
        PlantedTruth truth,
        IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(analytics);
        ArgumentNullException.ThrowIfNull(truth);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var misses = new List<string>();
        int runs = 0;
        VehicleQuery Q(string plate) => new() { Plate = plate, Range = truth.Range, UtcOffset = truth.UtcOffset };

        // Associates: every planted vehicle and the controls are targets; a pair counts once whichever side found it.
        var truePairs = truth.Associates.Select(p => Pair(p.A, p.B)).ToHashSet();
        var predicted = new HashSet<(string, string)>();
        var targets = truth.Associates.SelectMany(p => new[] { p.A, p.B }).Concat(truth.Controls).Distinct(StringComparer.Ordinal).ToList();
        progress?.Report($"associates: {targets.Count} targets");
        foreach (var t in targets)
        {
            var r = await analytics.AssociatesAsync(caller, Q(t), null, cancellationToken).ConfigureAwait(false);
            runs++;
            foreach (var a in r.Associates) predicted.Add(Pair(t, a.Plate));
        }
        var associates = Score(predicted, truePairs, misses, "associate");

        var convoyPairs = new HashSet<(string, string)>();
        foreach (var c in truth.Convoys)
        {
            for (int i = 0; i < c.Length; i++)
            {
                for (int j = i + 1; j < c.Length; j++) convoyPairs.Add(Pair(c[i], c[j]));
            }
        }
        predicted.Clear();
        targets = truth.Convoys.SelectMany(c => c).Concat(truth.Controls).Distinct(StringComparer.Ordinal).ToList();
        progress?.Report($"convoys: {targets.Count} targets");
        foreach (var t in targets)
        {
            var r = await analytics.ConvoyAsync(caller, Q(t), null, cancellationToken).ConfigureAwait(false);
            runs++;
            foreach (var m in r.Members) predicted.Add(Pair(t, m.Plate));
        }
        var convoys = Score(predicted, convoyPairs, misses, "convoy");

        progress?.Report($"usual places: {truth.Vehicles.Length} vehicles");
        int homes = 0, homesSeen = 0, works = 0, worksSeen = 0, withWork = 0;
        foreach (var v in truth.Vehicles)
        {
            var r = await analytics.PlacesAsync(caller, Q(v.Plate), null, cancellationToken).ConfigureAwait(false);
            runs++;
            if (Near(r.LikelyHome, v.Home)) homes++;
            if (r.Places.Any(p => p.Nights > 0 && Near(p, v.Home))) homesSeen++;
            if (v.Work is not { } work) continue;
            withWork++;
            if (Near(r.LikelyWork, work)) works++;
            if (r.Places.Any(p => Near(p, work))) worksSeen++;
        }

        progress?.Report("cloned plates: one sweep per day");
        var flagged = new HashSet<string>(StringComparer.Ordinal);
        for (var day = truth.Range.From; day < truth.Range.To; day = day.AddDays(1))
        {
            var end = day.AddDays(1) < truth.Range.To ? day.AddDays(1) : truth.Range.To;
            var r = await analytics.ClonedAsync(caller, new ClonedOptions { Range = new TimeRange(day, end) }, cancellationToken).ConfigureAwait(false);
            runs++;
            foreach (var p in r.Plates) flagged.Add(p.Plate);
        }
        var clonedTruth = truth.ClonedPlates.ToHashSet(StringComparer.Ordinal);
        int tp = flagged.Count(clonedTruth.Contains);
        misses.AddRange(flagged.Where(p => !clonedTruth.Contains(p)).Select(p => $"cloned: false {p}"));
        misses.AddRange(clonedTruth.Where(p => !flagged.Contains(p)).Select(p => $"cloned: missed {p}"));

        return new EvaluationReport(
            associates, convoys,
            new PlaceScore(homes, homesSeen, truth.Vehicles.Length),
            new PlaceScore(works, worksSeen, withWork),
            new PrecisionRecall(tp, flagged.Count, clonedTruth.Count),
            runs, started.Elapsed, [.. misses]);
    }

    private static bool Near(UsualPlace? place, GeoPoint truth) =>
        place is not null && Haversine.DistanceMeters(place.Center, truth) <= PlaceToleranceMeters;

    private static (string, string) Pair(string a, string b) => string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);

    private static PrecisionRecall Score(HashSet<(string, string)> predicted, HashSet<(string, string)> truth, List<string> misses, string what)
    {
        int tp = predicted.Count(truth.Contains);
        misses.AddRange(predicted.Where(p => !truth.Contains(p)).Select(p => $"{what}: false {p.Item1}-{p.Item2}"));
        misses.AddRange(truth.Where(p => !predicted.Contains(p)).Select(p => $"{what}: missed {p.Item1}-{p.Item2}"));
        return new PrecisionRecall(tp, predicted.Count, truth.Count);
    }
}
