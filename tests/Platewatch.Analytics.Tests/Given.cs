using Platewatch.Geo;
using Platewatch.Reads;
using Platewatch.Storage;

namespace Platewatch.Analytics.Tests;

/// <summary>Hand-made reads: a Monday in a city at UTC, places a few hundred metres apart.</summary>
internal static class Given
{
    public static readonly DateTimeOffset Monday = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    public static readonly GeoPoint Home = new(47.60, -122.33);
    public static readonly GeoPoint Work = North(Home, 3000);
    public static readonly GeoPoint Elsewhere = North(Home, 8000);

    public static GeoPoint North(GeoPoint p, double metres) => p with { Latitude = p.Latitude + (metres / Haversine.EarthRadiusMeters * (180 / Math.PI)) };

    public static GeoPoint East(GeoPoint p, double metres) =>
        p with { Longitude = p.Longitude + (metres / (Haversine.EarthRadiusMeters * Math.Cos(Haversine.DegreesToRadians(p.Latitude))) * (180 / Math.PI)) };

    public static Sighting S(string plate, DateTimeOffset at, GeoPoint where, string camera = "cam-1", float confidence = 0.9f) =>
        new(ReadId.New(at), plate, at, where, camera, confidence);

    public static PlateRead Read(string plate, DateTimeOffset at, GeoPoint where, string camera = "cam-1", float confidence = 0.9f, string agency = "demo-pd") => new()
    {
        Id = ReadId.New(at),
        Plate = plate,
        Region = "US-WA",
        Confidence = confidence,
        CapturedAt = at,
        Location = where,
        CameraId = camera,
        AgencyId = agency,
    };

    public static DateTimeOffset Day(int day, double hour) => Monday.AddDays(day).AddHours(hour);
}
