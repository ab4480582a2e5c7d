using System.Collections.Immutable;
using Platewatch.Geo;
using Platewatch.Storage;

namespace Platewatch.Analytics;

/// <summary>The single-vehicle analyses (history, usual places, routes and times) as pure functions over its reads.</summary>
internal static class VehicleAnalyses
{
    public static HistoryResult History(string plate, IReadOnlyList<Sighting> reads, ImmutableArray<string> lookAlikes)
    {
        var ordered = reads.OrderBy(s => s.At).ThenBy(s => s.Id.Value).ToList();
        return new HistoryResult(
            plate,
            [.. ordered.Select(s => new HistoryEntry(s.Id, s.Plate, s.At, s.Location, s.CameraId, s.Confidence))],
            [.. ordered.Select(s => s.CameraId).Distinct(StringComparer.Ordinal)],
            lookAlikes);
    }

    public static PlacesResult Places(string plate, IReadOnlyList<Sighting> reads, TimeSpan offset, PlacesOptions options)
    {
        var ordered = reads.OrderBy(s => s.At).ToList();
        var clusters = Cluster(ordered, options.RadiusMeters);
        var places = new List<UsualPlace>();
        foreach (var members in clusters)
        {
            var hours = new int[24];
            var weekdays = new int[7];
            int overnight = 0, daytime = 0, visits = 0;
            var days = new HashSet<DateOnly>();
            var nights = new HashSet<DateOnly>();
            var workdays = new HashSet<DateOnly>();
            TimeSpan dwell = TimeSpan.Zero;
            DateTimeOffset visitStart = default, last = default;
            foreach (var s in members)
            {
                var local = Local.Time(s.At, offset);
                hours[local.Hour]++;
                weekdays[Local.Weekday(local)]++;
                days.Add(DateOnly.FromDateTime(local));
                if (Local.IsOvernight(local))
                {
                    overnight++;
                    nights.Add(Local.Night(local));
                }
                if (Local.IsWeekdayDaytime(local))
                {
                    daytime++;
                    workdays.Add(DateOnly.FromDateTime(local));
                }
                if (visits == 0 || s.At - last > options.VisitGap)
                {
                    if (visits > 0) dwell += last - visitStart;
                    visits++;
                    visitStart = s.At;
                }
                last = s.At;
            }
            dwell += last - visitStart;
            int n = members.Count;
            // A home is read at any hour (parked on the street, passing on the way out), so a third of its reads at
            // night already sets it apart; work is read on weekday days and hardly ever at night.
            var kind = nights.Count >= 2 && overnight * 3 >= n ? PlaceKind.Overnight
                : days.Count >= 2 && daytime * 2 > n && overnight * 5 < n ? PlaceKind.WeekdayDaytime
                : PlaceKind.Other;
            places.Add(new UsualPlace(0, Centre(members), kind, n, visits, days.Count, nights.Count, workdays.Count, dwell,
                [.. hours], [.. weekdays], [.. members.Select(s => s.CameraId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]));
        }
        var ranked = places
            .OrderByDescending(p => p.Days).ThenByDescending(p => p.Visits).ThenByDescending(p => p.Dwell).ThenByDescending(p => p.Reads)
            .Take(options.MaxPlaces)
            .Select((p, i) => p with { Rank = i + 1 })
            .ToImmutableArray();
        return new PlacesResult(plate, reads.Count, ranked);
    }

    /// <summary>Leader clustering, then one reassignment pass to the nearest settled centre, so the outcome does not depend much on order.</summary>
    internal static List<List<Sighting>> Cluster(IReadOnlyList<Sighting> reads, double radius)
    {
        var centres = new List<(double Lat, double Lon, int N)>();
        foreach (var s in reads)
        {
            int best = Nearest(centres, s.Location, radius);
            if (best < 0)
            {
                centres.Add((s.Location.Latitude, s.Location.Longitude, 1));
            }
            else
            {
                var c = centres[best];
                centres[best] = (c.Lat + ((s.Location.Latitude - c.Lat) / (c.N + 1)), c.Lon + ((s.Location.Longitude - c.Lon) / (c.N + 1)), c.N + 1);
            }
        }
        var groups = centres.Select(_ => new List<Sighting>()).ToList();
        foreach (var s in reads)
        {
            int best = Nearest(centres, s.Location, double.MaxValue);
            groups[best].Add(s);
        }
        return [.. groups.Where(g => g.Count > 0)];
    }

    private static int Nearest(List<(double Lat, double Lon, int N)> centres, GeoPoint p, double radius)
    {
        int best = -1;
        double bestD = radius;
        for (int i = 0; i < centres.Count; i++)
        {
            double d = Haversine.DistanceMeters(centres[i].Lat, centres[i].Lon, p.Latitude, p.Longitude);
            if (d <= bestD)
            {
                bestD = d;
                best = i;
            }
        }
        return best;
    }

    private static GeoPoint Centre(List<Sighting> members) =>
        new(members.Average(s => s.Location.Latitude), members.Average(s => s.Location.Longitude));

    /// <summary>Splits time-ordered reads into trips at gaps longer than <paramref name="gap"/>.</summary>
    internal static List<List<Sighting>> Trips(IReadOnlyList<Sighting> ordered, TimeSpan gap)
    {
        var trips = new List<List<Sighting>>();
        foreach (var s in ordered)
        {
            if (trips.Count == 0 || s.At - trips[^1][^1].At > gap) trips.Add([]);
            trips[^1].Add(s);
        }
        return trips;
    }

    public static RoutesResult Routes(string plate, IReadOnlyList<Sighting> reads, TimeSpan offset, RoutesOptions options)
    {
        var ordered = reads.OrderBy(s => s.At).ToList();
        var trips = Trips(ordered, options.TripGap);
        var routes = new Dictionary<string, (ImmutableArray<string> Cameras, List<DateTimeOffset> Departures, List<DateTimeOffset> Arrivals)>(StringComparer.Ordinal);
        foreach (var trip in trips)
        {
            var cameras = new List<string>();
            foreach (var s in trip)
            {
                if (cameras.Count == 0 || !string.Equals(cameras[^1], s.CameraId, StringComparison.Ordinal)) cameras.Add(s.CameraId);
            }
            if (cameras.Count < 2) continue;
            string key = string.Join('\u001f', cameras);
            if (!routes.TryGetValue(key, out var r)) routes[key] = r = ([.. cameras], [], []);
            r.Departures.Add(trip[0].At);
            r.Arrivals.Add(trip[^1].At);
        }
        var common = routes.Values
            .Where(r => r.Departures.Count >= 2)
            .OrderByDescending(r => r.Departures.Count).ThenByDescending(r => r.Cameras.Length)
            .Take(options.MaxRoutes)
            .Select(r => new CommonRoute(r.Cameras, r.Departures.Count, Local.MedianTimeOfDay(r.Departures, offset), Local.MedianTimeOfDay(r.Arrivals, offset)))
            .ToImmutableArray();

        var activity = new int[7 * 24];
        foreach (var s in ordered)
        {
            var local = Local.Time(s.At, offset);
            activity[(Local.Weekday(local) * 24) + local.Hour]++;
        }
        var days = ordered
            .GroupBy(s => Local.Day(s.At, offset))
            .OrderBy(g => g.Key)
            .Select(g => new DaySpan(g.Key, g.First().At, g.First().CameraId, g.Last().At, g.Last().CameraId, g.Count()))
            .ToImmutableArray();
        return new RoutesResult(plate, trips.Count, common, [.. activity], days);
    }
}
