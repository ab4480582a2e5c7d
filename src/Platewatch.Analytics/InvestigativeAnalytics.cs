using System.Collections.Immutable;
using Platewatch.Query;
using Platewatch.Reads;
using Platewatch.Storage;

namespace Platewatch.Analytics;

/// <summary>
/// The seven investigative analyses. Each one runs inside <see cref="ReadQueryService.AnalyzeAsync"/>: the gate
/// checks purpose, case, authorisation and window, the analysis reads the store only through the scope it is
/// handed (filters pushed into the store: the target's plates, boxes around its reads, areas), and the run is
/// audited with its parameters and the plates it returned.
/// </summary>
public sealed class InvestigativeAnalytics(ReadQueryService queries)
{
    public Task<HistoryResult> HistoryAsync(AnalysisCaller caller, VehicleQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return RunAsync(caller, Request(AnalysisKind.History, query, []), async (scope, ct) =>
        {
            var (reads, included) = await TargetAsync(scope, query, ct).ConfigureAwait(false);
            return VehicleAnalyses.History(query.Plate, reads, included);
        }, r => r.Reads.IsEmpty ? [] : [r.Plate], cancellationToken);
    }

    public Task<PlacesResult> PlacesAsync(AnalysisCaller caller, VehicleQuery query, PlacesOptions? options, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        ArgumentNullException.ThrowIfNull(query);
        var o = options ?? new PlacesOptions();
        Require(problems, o.RadiusMeters is >= 10 and <= 2000, $"The place radius must be 10 to 2000 metres; got {o.RadiusMeters}.");
        Require(problems, o.MaxPlaces is >= 1 and <= 200, "At most 200 places can be listed.");
        return RunAsync(caller, Request(AnalysisKind.Places, query, [("radius", Settings.Num(o.RadiusMeters))]) with { Problems = [.. problems] }, async (scope, ct) =>
        {
            var (reads, _) = await TargetAsync(scope, query, ct).ConfigureAwait(false);
            return VehicleAnalyses.Places(query.Plate, reads, query.UtcOffset, o);
        }, r => r.Reads == 0 ? [] : [r.Plate], cancellationToken);
    }

    public Task<RoutesResult> RoutesAsync(AnalysisCaller caller, VehicleQuery query, RoutesOptions? options, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        ArgumentNullException.ThrowIfNull(query);
        var o = options ?? new RoutesOptions();
        Require(problems, o.TripGap >= TimeSpan.FromMinutes(1) && o.TripGap <= TimeSpan.FromHours(6), "The trip gap must be 1 minute to 6 hours.");
        return RunAsync(caller, Request(AnalysisKind.Routes, query, [("tripGap", Settings.Secs(o.TripGap))]) with { Problems = [.. problems] }, async (scope, ct) =>
        {
            var (reads, _) = await TargetAsync(scope, query, ct).ConfigureAwait(false);
            return VehicleAnalyses.Routes(query.Plate, reads, query.UtcOffset, o);
        }, r => r.Days.IsEmpty ? [] : [r.Plate], cancellationToken);
    }

    public Task<AssociatesResult> AssociatesAsync(AnalysisCaller caller, VehicleQuery query, AssociatesOptions? options, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        ArgumentNullException.ThrowIfNull(query);
        var o = options ?? new AssociatesOptions();
        Require(problems, o.RadiusMeters is >= 5 and <= 500, $"The associate radius must be 5 to 500 metres; got {o.RadiusMeters}.");
        Require(problems, o.Window >= TimeSpan.FromSeconds(1) && o.Window <= TimeSpan.FromMinutes(30), "The associate time window must be 1 second to 30 minutes.");
        Require(problems, o.HabitBand >= o.Window && o.HabitBand <= TimeSpan.FromHours(6), "The habit band must be at least the time window and at most 6 hours.");
        Require(problems, o.MinDays is >= 1 and <= 366, "The minimum shared days must be 1 to 366.");
        Require(problems, o.MaxResults is >= 1 and <= 1000 && o.MaxCandidates is >= 1 and <= ScanFilter.MaxPlates, "Result and candidate limits are out of range.");
        var settings = new (string, string)[] { ("radius", Settings.Num(o.RadiusMeters)), ("window", Settings.Secs(o.Window)), ("minDays", Settings.Num(o.MinDays)), ("minScore", Settings.Num(o.MinScore)), ("minShare", Settings.Num(o.MinShare)) };
        return RunAsync(caller, Request(AnalysisKind.Associates, query, settings) with { Problems = [.. problems] }, async (scope, ct) =>
        {
            var (target, _) = await TargetAsync(scope, query, ct).ConfigureAwait(false);
            if (target.IsEmpty) return new AssociatesResult(query.Plate, 0, 0, []);
            var nearby = await scope.ScanAsync(new ScanFilter { Range = scope.Range, Windows = GroupAnalyses.WindowsAround(target, o.RadiusMeters, o.Window), IdsNeeded = false }, ct).ConfigureAwait(false);
            var encounters = GroupAnalyses.Match(query.Plate, target, nearby, o.RadiusMeters, o.Window, sameCamera: false);
            var candidates = GroupAnalyses.WithEnoughShare(target, GroupAnalyses.RepeatedOnDays(encounters, target, query.UtcOffset, o.MinDays, o.MaxCandidates), encounters, query.UtcOffset, o);
            var background = candidates.Count == 0 ? []
                : await scope.ScanAsync(new ScanFilter { Range = scope.Range, Plates = [.. candidates.Select(c => c.Plate)] }, ct).ConfigureAwait(false);
            return GroupAnalyses.ScoreAssociates(query.Plate, target, candidates, encounters, background, Math.Ceiling(scope.Range.Duration.TotalDays), query.UtcOffset, o);
        }, r => r.TargetReads == 0 ? [] : [r.Plate, .. r.Associates.Select(a => a.Plate)], cancellationToken);
    }

    public Task<ConvoyResult> ConvoyAsync(AnalysisCaller caller, VehicleQuery query, ConvoyOptions? options, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        ArgumentNullException.ThrowIfNull(query);
        var o = options ?? new ConvoyOptions();
        Require(problems, o.Window >= TimeSpan.FromSeconds(1) && o.Window <= TimeSpan.FromMinutes(10), "The convoy time window must be 1 second to 10 minutes.");
        Require(problems, o.MinDays is >= 1 and <= 366, "The minimum convoy days must be 1 to 366.");
        Require(problems, o.MaxResults is >= 1 and <= 1000, "At most 1000 convoy members can be listed.");
        var request = Request(AnalysisKind.Convoy, query, [("window", Settings.Secs(o.Window)), ("minDays", Settings.Num(o.MinDays))]) with { MinCameras = o.MinCameras, Problems = [.. problems] };
        return RunAsync(caller, request, async (scope, ct) =>
        {
            var (target, _) = await TargetAsync(scope, query, ct).ConfigureAwait(false);
            if (target.IsEmpty) return new ConvoyResult(query.Plate, 0, []);
            // A camera sees the target and its followers from one position; 30 m covers mobile GPS error.
            var nearby = await scope.ScanAsync(new ScanFilter { Range = scope.Range, Windows = GroupAnalyses.WindowsAround(target, 30, o.Window), IdsNeeded = false }, ct).ConfigureAwait(false);
            return GroupAnalyses.Convoy(query.Plate, target, nearby, query.UtcOffset, o);
        }, r => r.TargetTrips == 0 ? [] : [r.Plate, .. r.Members.Select(m => m.Plate)], cancellationToken);
    }

    public Task<StakeoutResult> StakeoutAsync(AnalysisCaller caller, StakeoutOptions options, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        ArgumentNullException.ThrowIfNull(options);
        Require(problems, !options.Areas.IsDefaultOrEmpty, "A stakeout needs at least one area and window.");
        Require(problems, options.MaxResults is >= 1 and <= 100_000, "At most 100,000 plates can be listed.");
        var range = options.Areas.IsDefaultOrEmpty ? new TimeRange(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1))
            : new TimeRange(options.Areas.Min(a => a.Range.From), options.Areas.Max(a => a.Range.To));
        var request = new AnalysisRequest { Kind = AnalysisKind.Stakeout, Range = range, Areas = options.Areas.IsDefault ? [] : options.Areas, MinAreas = options.MinAreas, Authorization = caller?.Authorization, Problems = [.. problems] };
        return RunAsync(caller!, request, async (scope, ct) =>
        {
            var perArea = new List<IReadOnlyList<Sighting>>();
            foreach (var a in options.Areas)
            {
                perArea.Add(await scope.ScanAsync(new ScanFilter { Range = a.Range, Area = a.Area, IdsNeeded = false }, ct).ConfigureAwait(false));
            }
            return GroupAnalyses.Stakeout(perArea, options.MinAreas ?? options.Areas.Length, options.MaxResults);
        }, r => r.Plates.Select(p => p.Plate), cancellationToken);
    }

    public Task<ClonedResult> ClonedAsync(AnalysisCaller caller, ClonedOptions options, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        ArgumentNullException.ThrowIfNull(options);
        Require(problems, options.Plate is not null || options.Range.Duration <= ClonedOptions.MaxSweep, $"A sweep over every plate may cover at most {ClonedOptions.MaxSweep.TotalDays:F0} days; name a plate for longer windows.");
        Require(problems, options.MaxSpeedKmh is >= 30 and <= 1000, "The maximum speed must be 30 to 1000 km/h.");
        Require(problems, options.MinDistanceMeters is >= 100 and <= 1_000_000, "The minimum distance must be 100 m to 1000 km.");
        Require(problems, options.MinConflicts is >= 1 and <= 1000, "The minimum conflicts must be 1 to 1000.");
        var request = new AnalysisRequest
        {
            Kind = AnalysisKind.Cloned,
            Range = options.Range,
            Plate = options.Plate,
            Authorization = caller?.Authorization,
            Problems = [.. problems],
            Settings = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            [
                KeyValuePair.Create("maxKmh", Settings.Num(options.MaxSpeedKmh)),
                KeyValuePair.Create("minDistance", Settings.Num(options.MinDistanceMeters)),
                KeyValuePair.Create("minConfidence", Settings.Num(options.MinConfidence)),
                KeyValuePair.Create("minConflicts", Settings.Num(options.MinConflicts)),
                KeyValuePair.Create("scope", options.Plate is null ? "sweep" : "plate"),
            ]),
        };
        return RunAsync(caller!, request, async (scope, ct) =>
        {
            var filter = new ScanFilter { Range = scope.Range, MinConfidence = options.MinConfidence, Plates = options.Plate is null ? [] : [options.Plate] };
            var reads = await scope.ScanAsync(filter, ct).ConfigureAwait(false);
            return GroupAnalyses.Cloned(options.Plate, reads, options);
        }, r => r.Plates.Select(p => p.Plate), cancellationToken);
    }

    private Task<T> RunAsync<T>(AnalysisCaller caller, AnalysisRequest request, Func<AnalyticsScope, CancellationToken, Task<T>> analysis, Func<T, IEnumerable<string>> plates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return queries.AnalyzeAsync(caller.Who, caller.Why, request with { Authorization = caller.Authorization }, analysis, plates, caller.Source, cancellationToken);
    }

    private static AnalysisRequest Request(AnalysisKind kind, VehicleQuery q, (string Key, string Value)[] settings)
    {
        var d = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in settings) d[k] = v;
        d["utcOffset"] = q.UtcOffset.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        d["lookAlikes"] = q.LookAlikes ? "yes" : "no";
        return new AnalysisRequest { Kind = kind, Range = q.Range, Plate = q.Plate, Settings = d.ToImmutable() };
    }

    /// <summary>The target's reads in the scope's window, with its look-alike misreads when asked, in time order.</summary>
    private static async Task<(ImmutableArray<Sighting> Reads, ImmutableArray<string> LookAlikes)> TargetAsync(AnalyticsScope scope, VehicleQuery q, CancellationToken ct)
    {
        ImmutableArray<string> plates = q.LookAlikes ? [q.Plate, .. LookAlikes.Variants(q.Plate)] : [q.Plate];
        var fetched = await scope.ScanAsync(new ScanFilter { Range = scope.Range, Plates = plates }, ct).ConfigureAwait(false);
        return LookAlikes.TargetReads(q.Plate, fetched);
    }

    private static void Require(List<string> problems, bool ok, string message)
    {
        if (!ok) problems.Add(message);
    }
}
