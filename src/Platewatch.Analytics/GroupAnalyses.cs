using System.Collections.Immutable;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Storage;

namespace Platewatch.Analytics;

/// <summary>Vehicles seen near one vehicle with the matched target reads; the first stage of associate and convoy analysis.</summary>
/// <summary>A read of a known plate, told apart by time and camera: reads found through time windows carry no id.</summary>
internal readonly record struct SightingKey(long AtMs, string CameraId)
{
    public static SightingKey Of(Sighting s) => new(s.At.ToUnixTimeMilliseconds(), s.CameraId);
}

internal sealed record Encounters(string Plate, ImmutableArray<int> TargetIndexes, ImmutableArray<SightingKey> Reads);

/// <summary>The analyses of vehicles around the target (associates, convoys), as pure functions over reads.</summary>
internal static class GroupAnalyses
{
    /// <summary>Per-sighting chance floor: even a vehicle never seen there before could pass by once.</summary>
    public const double ChanceFloor = 1e-3;

    /// <summary>Spatio-temporal boxes around each target read, for the store to find the vehicles near them.</summary>
    public static ImmutableArray<Query.ScanWindow> WindowsAround(IReadOnlyList<Sighting> target, double radiusMeters, TimeSpan window) =>
        [.. target.Select(t => new Query.ScanWindow(Haversine.BoxAround(t.Location.Latitude, t.Location.Longitude, radiusMeters), t.At - window, t.At + window + TimeSpan.FromMilliseconds(1)))];

    /// <summary>
    /// For each other plate among <paramref name="nearby"/>, the target reads it was within <paramref name="radiusMeters"/>
    /// and <paramref name="window"/> of (or at the same camera, when <paramref name="sameCamera"/>). Look-alikes of the
    /// target are left out: they are its own misreads.
    /// </summary>
    public static List<Encounters> Match(string plate, IReadOnlyList<Sighting> target, IReadOnlyList<Sighting> nearby, double radiusMeters, TimeSpan window, bool sameCamera)
    {
        var times = target.Select(t => t.At.ToUnixTimeMilliseconds()).ToArray();
        long w = (long)window.TotalMilliseconds;
        var byPlate = new Dictionary<string, (SortedSet<int> Indexes, List<SightingKey> Reads)>(StringComparer.Ordinal);
        var targetPlates = target.Select(t => t.Plate).ToHashSet(StringComparer.Ordinal);
        foreach (var n in nearby)
        {
            if (targetPlates.Contains(n.Plate) || LookAlikes.CouldBe(plate, n.Plate)) continue;
            long t = n.At.ToUnixTimeMilliseconds();
            int i = LowerBound(times, t - w);
            bool any = false;
            for (; i < times.Length && times[i] <= t + w; i++)
            {
                var tr = target[i];
                bool near = sameCamera
                    ? string.Equals(tr.CameraId, n.CameraId, StringComparison.Ordinal)
                    : Haversine.DistanceMeters(tr.Location, n.Location) <= radiusMeters;
                if (!near) continue;
                if (!byPlate.TryGetValue(n.Plate, out var e)) byPlate[n.Plate] = e = (new SortedSet<int>(), []);
                e.Indexes.Add(i);
                any = true;
            }
            if (any) byPlate[n.Plate].Reads.Add(SightingKey.Of(n));
        }
        return [.. byPlate.Select(kv => new Encounters(kv.Key, [.. kv.Value.Indexes], [.. kv.Value.Reads]))];
    }

    /// <summary>Candidates that met the target on at least <paramref name="minDays"/> local days, most days first.</summary>
    public static List<Encounters> RepeatedOnDays(List<Encounters> encounters, IReadOnlyList<Sighting> target, TimeSpan offset, int minDays, int max) =>
        [.. encounters
            .Select(e => (e, Days: e.TargetIndexes.Select(i => Local.Day(target[i].At, offset)).Distinct().Count()))
            .Where(x => x.Days >= minDays)
            .OrderByDescending(x => x.Days).ThenBy(x => x.e.Plate, StringComparer.Ordinal)
            .Take(max)
            .Select(x => x.e)];

    /// <summary>
    /// Scores candidates place by place against their own background: the chance that a candidate is within the radius and
    /// window of a target read by habit is estimated from its reads near that place, at that time of day (± the habit band),
    /// on other days, leaving out the reads that met the target. Commuters sharing a camera at rush hour are explained by
    /// their own habits; colleagues meeting in working hours where both work are explained by their work. At a busy
    /// place a vehicle is only one of the target's many regulars, so a vehicle must also be a large part of the target's
    /// company at one of the places where the sharing is significant.
    /// </summary>
    public static AssociatesResult ScoreAssociates(
        string plate,
        IReadOnlyList<Sighting> target,
        List<Encounters> candidates,
        List<Encounters> allEncounters,
        IReadOnlyList<Sighting> background,
        double rangeDays,
        TimeSpan offset,
        AssociatesOptions o)
    {
        double otherDays = Math.Max(1, rangeDays - 1);
        double ratio = Math.Min(1, o.Window.TotalSeconds / o.HabitBand.TotalSeconds);
        double cell = o.RadiusMeters / 111_000.0;
        var byPlate = background.GroupBy(s => s.Plate, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var targetDays = target.Select(t => Local.Day(t.At, offset)).ToArray();
        var targetSecs = target.Select(t => Local.SecondOfDay(t.At, offset)).ToArray();
        var company = Company(target, allEncounters, offset);
        var results = new List<Associate>();
        ImmutableArray<GeoPoint>? targetWork = null;
        foreach (var c in candidates)
        {
            var met = c.Reads.ToHashSet();
            var own = byPlate.GetValueOrDefault(c.Plate) ?? [];
            // Grid cells of about the radius: each target read checks only the 3x3 cells around it.
            var grid = new Dictionary<(int, int), List<Sighting>>();
            foreach (var s in own)
            {
                if (met.Contains(SightingKey.Of(s))) continue;
                var key = ((int)Math.Floor(s.Location.Latitude / cell), (int)Math.Floor(s.Location.Longitude / cell));
                if (!grid.TryGetValue(key, out var l)) grid[key] = l = [];
                l.Add(s);
            }
            var chance = new double[target.Count];
            for (int i = 0; i < target.Count; i++)
            {
                var t = target[i];
                int habit = 0;
                int gy = (int)Math.Floor(t.Location.Latitude / cell), gx = (int)Math.Floor(t.Location.Longitude / cell);
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        if (!grid.TryGetValue((gy + dy, gx + dx), out var l)) continue;
                        foreach (var s in l)
                        {
                            if (Local.Day(s.At, offset) == targetDays[i]) continue;
                            if (Local.CircularSeconds(Local.SecondOfDay(s.At, offset), targetSecs[i]) > o.HabitBand.TotalSeconds) continue;
                            if (Haversine.DistanceMeters(s.Location, t.Location) <= o.RadiusMeters) habit++;
                        }
                    }
                }
                chance[i] = Math.Clamp(habit / otherDays * ratio, ChanceFloor, 1);
            }

            // Place by place: the days shared there against the days expected there by chance.
            var metReads = c.TargetIndexes.Select(i => target[i]).ToList();
            var places = VehicleAnalyses.Cluster(metReads, PlaceRadiusMeters);
            int significant = 0;
            double lambdaAll = 0, score = 0, bestShare = 0;
            ImmutableArray<GeoPoint>? ownWork = null;
            foreach (var place in places)
            {
                var centre = new GeoPoint(place.Average(s => s.Location.Latitude), place.Average(s => s.Location.Longitude));
                var perDay = new Dictionary<DateOnly, double>();
                for (int i = 0; i < target.Count; i++)
                {
                    if (Haversine.DistanceMeters(target[i].Location, centre) > PlaceRadiusMeters) continue;
                    perDay[targetDays[i]] = perDay.GetValueOrDefault(targetDays[i]) + chance[i];
                }
                double lambda = perDay.Values.Sum(v => Math.Min(1, v));
                lambdaAll += lambda;
                int k = place.Select(s => Local.Day(s.At, offset)).Distinct().Count();
                double placeScore = PoissonTailScore(k, lambda);
                if (k < o.MinDays || placeScore < MinPlaceScore) continue;
                significant++;
                score += placeScore;
                // Colleagues meet where both work, in working hours, because both work there: that place is explained.
                if (place.Count(s => Local.IsWeekdayDaytime(Local.Time(s.At, offset))) * 5 >= place.Count * 4)
                {
                    targetWork ??= WorkPlaces(target, offset);
                    ownWork ??= WorkPlaces(own, offset);
                    if (NearAny(centre, targetWork.Value) && NearAny(centre, ownWork.Value)) continue;
                }
                var keys = place.Select(s => PlaceKey(s.Location)).Distinct().ToList();
                double share = (double)k / Math.Max(k, keys.Max(key => company.GetValueOrDefault(key)));
                bestShare = Math.Max(bestShare, share);
            }
            if (significant == 0) continue;
            var dates = c.TargetIndexes.Select(i => targetDays[i]).Distinct().Order().ToImmutableArray();
            results.Add(new Associate(c.Plate, c.TargetIndexes.Length, dates.Length, significant, lambdaAll, dates.Length / Math.Max(lambdaAll, ChanceFloor), score, bestShare, dates));
        }
        var ranked = results
            .Where(a => a.Days >= o.MinDays && a.Score >= o.MinScore && a.Share >= o.MinShare)
            .OrderByDescending(a => a.Score).ThenByDescending(a => a.Days).ThenBy(a => a.Plate, StringComparer.Ordinal)
            .Take(o.MaxResults)
            .ToImmutableArray();
        return new AssociatesResult(plate, target.Count, allEncounters.Count, ranked);
    }

    /// <summary>
    /// The candidates that can still be reported: a vehicle's share of the target's company at a place (below) does not
    /// depend on its background, so one whose share is under the minimum at every place it shared on enough days is
    /// dropped before its background is fetched. The ranking is unchanged; the background scan and the scoring shrink.
    /// </summary>
    public static List<Encounters> WithEnoughShare(IReadOnlyList<Sighting> target, List<Encounters> candidates, List<Encounters> allEncounters, TimeSpan offset, AssociatesOptions o)
    {
        var company = Company(target, allEncounters, offset);
        return [.. candidates.Where(c => VehicleAnalyses.Cluster([.. c.TargetIndexes.Select(i => target[i])], PlaceRadiusMeters).Any(place =>
        {
            int k = place.Select(s => Local.Day(s.At, offset)).Distinct().Count();
            return k >= o.MinDays && (double)k / Math.Max(k, place.Max(s => company.GetValueOrDefault(PlaceKey(s.Location)))) >= o.MinShare;
        }))];
    }

    /// <summary>
    /// The target's company at each of its places: days met per vehicle, summed. A vehicle that is most of the target's
    /// company at a place is distinctive there; one of many regulars at a busy place is not.
    /// </summary>
    private static Dictionary<(int, int), int> Company(IReadOnlyList<Sighting> target, List<Encounters> allEncounters, TimeSpan offset)
    {
        var company = new Dictionary<(int, int), int>();
        foreach (var e in allEncounters)
        {
            foreach (var g in e.TargetIndexes.GroupBy(i => PlaceKey(target[i].Location)))
            {
                company[g.Key] = company.GetValueOrDefault(g.Key) + g.Select(i => Local.Day(target[i].At, offset)).Distinct().Count();
            }
        }
        return company;
    }

    private static (int, int) PlaceKey(GeoPoint p) =>
        ((int)Math.Floor(p.Latitude / (PlaceRadiusMeters / 111_000.0)), (int)Math.Floor(p.Longitude / (PlaceRadiusMeters / 111_000.0)));

    /// <summary>Reads within this distance of each other count as one place when shared days are counted.</summary>
    public const double PlaceRadiusMeters = 150;

    /// <summary>Least -log10 chance for a place's shared days to count.</summary>
    public const double MinPlaceScore = 2;

    /// <summary>Centres of the places where a vehicle spends weekday working hours on more than one day.</summary>
    private static ImmutableArray<GeoPoint> WorkPlaces(IReadOnlyList<Sighting> reads, TimeSpan offset) =>
        [.. VehicleAnalyses.Places("", reads, offset, new PlacesOptions()).Places.Where(p => p.WorkingDays > 1 && p.Kind != PlaceKind.Overnight).Select(p => p.Center)];

    private static bool NearAny(GeoPoint p, ImmutableArray<GeoPoint> places) =>
        places.Any(q => Haversine.DistanceMeters(p, q) <= PlaceRadiusMeters);

    /// <summary>-log10 P(X ≥ k) for X ~ Poisson(λ), summed in log space so tiny tails keep their precision; capped at 300.</summary>
    public static double PoissonTailScore(int k, double lambda)
    {
        if (k <= 0) return 0;
        if (lambda <= 0) return 300;
        double logTerm = -lambda + (k * Math.Log(lambda)) - LogFactorial(k);
        double sum = 1, term = 1;
        for (int i = k + 1; i < k + 200; i++)
        {
            term *= lambda / i;
            sum += term;
            if (term < sum * 1e-12) break;
        }
        double log10 = (logTerm + Math.Log(sum)) / Math.Log(10);
        return Math.Clamp(-log10, 0, 300);
    }

    private static double LogFactorial(int n)
    {
        double s = 0;
        for (int i = 2; i <= n; i++) s += Math.Log(i);
        return s;
    }

    /// <summary>Vehicles that passed at least k of the target's cameras within the window on one trip, on at least the given days.</summary>
    public static ConvoyResult Convoy(string plate, IReadOnlyList<Sighting> target, IReadOnlyList<Sighting> nearby, TimeSpan offset, ConvoyOptions o)
    {
        var trips = VehicleAnalyses.Trips(target, o.TripGap);
        var tripOf = new int[target.Count];
        for (int t = 0, i = 0; t < trips.Count; t++)
        {
            foreach (var _ in trips[t]) tripOf[i++] = t;
        }
        var encounters = Match(plate, target, nearby, 0, o.Window, sameCamera: true);
        var members = new List<ConvoyMember>();
        foreach (var e in encounters)
        {
            var perTrip = e.TargetIndexes.GroupBy(i => tripOf[i]).Select(g => (Trip: g.Key, Cameras: g.Select(i => target[i].CameraId).Distinct(StringComparer.Ordinal).ToList()))
                .Where(x => x.Cameras.Count >= o.MinCameras).ToList();
            if (perTrip.Count == 0) continue;
            var dates = perTrip.Select(x => Local.Day(trips[x.Trip][0].At, offset)).Distinct().Order().ToImmutableArray();
            if (dates.Length < o.MinDays) continue;
            members.Add(new ConvoyMember(e.Plate, perTrip.Count, dates.Length, perTrip.Max(x => x.Cameras.Count),
                [.. perTrip.SelectMany(x => x.Cameras).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], dates));
        }
        return new ConvoyResult(plate, trips.Count, [.. members.OrderByDescending(m => m.Trips).ThenByDescending(m => m.MaxSharedCameras).ThenBy(m => m.Plate, StringComparer.Ordinal).Take(o.MaxResults)]);
    }

    /// <summary>Plates seen in at least m of the areas; look-alike spellings of one plate count as one (a misread at one scene must not hide it).</summary>
    public static StakeoutResult Stakeout(IReadOnlyList<IReadOnlyList<Sighting>> perArea, int minAreas, int maxResults)
    {
        var byKey = new Dictionary<string, (SortedSet<int> Areas, Dictionary<string, int> Spellings, int N, DateTimeOffset First, DateTimeOffset Last)>(StringComparer.Ordinal);
        for (int a = 0; a < perArea.Count; a++)
        {
            foreach (var s in perArea[a])
            {
                string key = PlateText.Skeleton(s.Plate);
                if (!byKey.TryGetValue(key, out var e)) e = (new SortedSet<int>(), new Dictionary<string, int>(StringComparer.Ordinal), 0, s.At, s.At);
                e.Areas.Add(a + 1);
                e.Spellings[s.Plate] = e.Spellings.GetValueOrDefault(s.Plate) + 1;
                byKey[key] = (e.Areas, e.Spellings, e.N + 1, s.At < e.First ? s.At : e.First, s.At > e.Last ? s.At : e.Last);
            }
        }
        var hits = byKey.Values
            .Where(e => e.Areas.Count >= minAreas)
            .Select(e => new StakeoutHit(
                e.Spellings.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key,
                [.. e.Areas], e.N, e.First, e.Last,
                [.. e.Spellings.Keys.Order(StringComparer.Ordinal)]))
            .OrderByDescending(h => h.Areas.Length).ThenByDescending(h => h.Sightings).ThenBy(h => h.Plate, StringComparer.Ordinal)
            .ToList();
        return new StakeoutResult(perArea.Count, minAreas, [.. hits.Take(maxResults)], hits.Count > maxResults);
    }

    /// <summary>Plates read at two places farther apart than the maximum speed allows in the time between the reads.</summary>
    public static ClonedResult Cloned(string? plate, IReadOnlyList<Sighting> reads, ClonedOptions o)
    {
        var found = new List<ClonedPlate>();
        int checkedPlates = 0;
        foreach (var g in reads.GroupBy(s => s.Plate, StringComparer.Ordinal))
        {
            checkedPlates++;
            var list = g.OrderBy(s => s.At).ToList();
            var conflicts = new List<ImpossibleTrip>();
            for (int i = 0; i < list.Count; i++)
            {
                var a = list[i];
                // Comparing each read with the next few is enough: a clone shows up as alternating far-apart reads.
                for (int j = i + 1; j < list.Count && j <= i + 8; j++)
                {
                    var b = list[j];
                    double hours = Math.Max(1, (b.At - a.At).TotalSeconds) / 3600;
                    double metres = Haversine.DistanceMeters(a.Location, b.Location);
                    double margin = metres - a.Location.AccuracyMeters - b.Location.AccuracyMeters;
                    if (margin < o.MinDistanceMeters) continue;
                    double kmh = margin / 1000 / hours;
                    if (kmh <= o.MaxSpeedKmh) continue;
                    conflicts.Add(new ImpossibleTrip(a.At, a.Location, a.CameraId, b.At, b.Location, b.CameraId, metres / 1000, kmh));
                }
            }
            if (conflicts.Count < o.MinConflicts) continue;
            found.Add(new ClonedPlate(g.Key, conflicts.Count, conflicts.Select(c => DateOnly.FromDateTime(c.FromAt.UtcDateTime)).Distinct().Count(),
                conflicts.Max(c => c.SpeedKmh), [.. conflicts.OrderByDescending(c => c.DistanceKm).Take(5)]));
        }
        return new ClonedResult(plate, checkedPlates, [.. found.OrderByDescending(f => f.Conflicts).ThenBy(f => f.Plate, StringComparer.Ordinal)]);
    }

    private static int LowerBound(long[] a, long v)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
