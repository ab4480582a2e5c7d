using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Platewatch.Analytics;
using Spectre.Console;

namespace Platewatch.Cli.Analytics;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(HistoryResult))]
[JsonSerializable(typeof(PlacesResult))]
[JsonSerializable(typeof(RoutesResult))]
[JsonSerializable(typeof(AssociatesResult))]
[JsonSerializable(typeof(ConvoyResult))]
[JsonSerializable(typeof(StakeoutResult))]
[JsonSerializable(typeof(ClonedResult))]
[JsonSerializable(typeof(EvaluationJson))]
internal sealed partial class AnalyticsJson : JsonSerializerContext;

/// <summary>The evaluation's figures as written by <c>eval analytics --json</c>.</summary>
internal sealed record EvaluationJson(
    int Vehicles, int Days, int Seed, int Reads,
    double AssociatesPrecision, double AssociatesRecall, double AssociatesF1,
    double ConvoysPrecision, double ConvoysRecall, double ConvoysF1,
    double HomesWithin150m, double HomesWithin150mOfObservable, double WorksWithin150m, double WorksWithin150mOfObservable,
    double ClonedPrecision, double ClonedRecall, int Runs, double Seconds, IReadOnlyList<string> Misses);

/// <summary>Tables for people, JSON for scripts; each result type has one of each.</summary>
internal static class AnalyticsOutput
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    private static void Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        Console.Out.WriteLine(JsonSerializer.Serialize(value, info));

    private static string T(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", s_inv);

    private static string E(string s) => Markup.Escape(s);

    public static void Write(IAnsiConsole console, bool json, HistoryResult r)
    {
        if (json) { Json(r, AnalyticsJson.Default.HistoryResult); return; }
        var table = new Table().AddColumns("time (UTC)", "plate as read", "camera", "lat", "lon", "conf");
        foreach (var e in r.Reads)
            table.AddRow(T(e.At), E(e.PlateAsRead), E(e.CameraId), e.Location.Latitude.ToString("F5", s_inv), e.Location.Longitude.ToString("F5", s_inv), e.Confidence.ToString("F2", s_inv));
        console.Write(table);
        console.MarkupLine($"{r.Reads.Length} read(s) of {E(r.Plate)} at {r.Cameras.Length} camera(s)" + (r.LookAlikesIncluded.IsEmpty ? "." : $"; look-alike misreads included: {E(string.Join(", ", r.LookAlikesIncluded))}."));
    }

    public static void Write(IAnsiConsole console, bool json, PlacesResult r)
    {
        if (json) { Json(r, AnalyticsJson.Default.PlacesResult); return; }
        var table = new Table().AddColumns("#", "kind", "lat", "lon", "days", "nights", "visits", "reads", "dwell", "busiest hours (local)");
        foreach (var p in r.Places)
        {
            var hours = p.Hours.Select((n, h) => (n, h)).Where(x => x.n > 0).OrderByDescending(x => x.n).Take(3).Select(x => x.h.ToString("00", s_inv) + "h");
            table.AddRow(p.Rank.ToString(s_inv), p.Kind.ToString(), p.Center.Latitude.ToString("F5", s_inv), p.Center.Longitude.ToString("F5", s_inv),
                p.Days.ToString(s_inv), p.Nights.ToString(s_inv), p.Visits.ToString(s_inv), p.Reads.ToString(s_inv), p.Dwell.ToString(@"d\.hh\:mm", s_inv), string.Join(" ", hours));
        }
        console.Write(table);
        console.MarkupLine($"{r.Reads} read(s) of {E(r.Plate)} in {r.Places.Length} place(s).");
    }

    public static void Write(IAnsiConsole console, bool json, RoutesResult r)
    {
        if (json) { Json(r, AnalyticsJson.Default.RoutesResult); return; }
        var table = new Table().AddColumns("trips", "departs", "arrives", "cameras");
        foreach (var c in r.Routes)
            table.AddRow(c.Trips.ToString(s_inv), c.UsualDeparture.ToString("HH:mm", s_inv), c.UsualArrival.ToString("HH:mm", s_inv), E(string.Join(" > ", c.Cameras)));
        console.Write(table);
        var days = new Table().AddColumns("day (local)", "first", "camera", "last", "camera", "reads");
        foreach (var d in r.Days)
            days.AddRow(d.Day.ToString("yyyy-MM-dd", s_inv), T(d.First), E(d.FirstCamera), T(d.Last), E(d.LastCamera), d.Reads.ToString(s_inv));
        console.Write(days);
        console.MarkupLine($"{r.Trips} trip(s) of {E(r.Plate)}; {r.Routes.Length} route(s) taken more than once.");
    }

    public static void Write(IAnsiConsole console, bool json, AssociatesResult r)
    {
        if (json) { Json(r, AnalyticsJson.Default.AssociatesResult); return; }
        var table = new Table().AddColumns("plate", "score", "days", "places", "share", "encounters", "expected by chance", "lift");
        foreach (var a in r.Associates)
            table.AddRow(E(a.Plate), a.Score.ToString("F1", s_inv), a.Days.ToString(s_inv), a.Places.ToString(s_inv), a.Share.ToString("F2", s_inv), a.Encounters.ToString(s_inv), a.Expected.ToString("F3", s_inv), double.IsInfinity(a.Lift) ? "-" : a.Lift.ToString("F0", s_inv));
        console.Write(table);
        console.MarkupLine($"{r.Associates.Length} associate(s) of {E(r.Plate)} among {r.Candidates} vehicle(s) seen near its {r.TargetReads} read(s).");
    }

    public static void Write(IAnsiConsole console, bool json, ConvoyResult r)
    {
        if (json) { Json(r, AnalyticsJson.Default.ConvoyResult); return; }
        var table = new Table().AddColumns("plate", "trips", "days", "most cameras in a trip", "cameras");
        foreach (var m in r.Members)
            table.AddRow(E(m.Plate), m.Trips.ToString(s_inv), m.Days.ToString(s_inv), m.MaxSharedCameras.ToString(s_inv), E(string.Join(", ", m.Cameras)));
        console.Write(table);
        console.MarkupLine($"{r.Members.Length} vehicle(s) travelled with {E(r.Plate)} over its {r.TargetTrips} trip(s).");
    }

    public static void Write(IAnsiConsole console, bool json, StakeoutResult r)
    {
        if (json) { Json(r, AnalyticsJson.Default.StakeoutResult); return; }
        var table = new Table().AddColumns("plate", "areas", "sightings", "first", "last", "spellings");
        foreach (var h in r.Plates)
            table.AddRow(E(h.Plate), string.Join(",", h.Areas), h.Sightings.ToString(s_inv), T(h.First), T(h.Last), E(string.Join(" ", h.Spellings)));
        console.Write(table);
        console.MarkupLine($"{r.Plates.Length} plate(s) seen in at least {r.MinAreas} of {r.Areas} area(s)" + (r.Truncated ? " (list truncated)." : "."));
    }

    public static void Write(IAnsiConsole console, bool json, ClonedResult r)
    {
        if (json) { Json(r, AnalyticsJson.Default.ClonedResult); return; }
        var table = new Table().AddColumns("plate", "conflicts", "days", "max km/h", "example");
        foreach (var p in r.Plates)
        {
            var x = p.Examples[0];
            table.AddRow(E(p.Plate), p.Conflicts.ToString(s_inv), p.Days.ToString(s_inv), p.MaxSpeedKmh.ToString("F0", s_inv),
                E($"{T(x.FromAt)} {x.FromCamera} -> {T(x.ToAt)} {x.ToCamera}: {x.DistanceKm:F1} km"));
        }
        console.Write(table);
        console.MarkupLine($"{r.Plates.Length} plate(s) with impossible travel among {r.PlatesChecked} checked.");
    }

    public static void Write(EvaluationJson e) => Json(e, AnalyticsJson.Default.EvaluationJson);
}
