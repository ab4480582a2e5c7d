using System.Collections.Immutable;
using Platewatch.Geo;
using Platewatch.Reads;

namespace Platewatch.Storage.Tests;

/// <summary>Builds valid reads with readable defaults, so each test states only what it is about.</summary>
internal static class TestReads
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
    public static readonly GeoPoint Downtown = new(47.6062, -122.3321, 5);

    public static PlateRead Make(
        string plate,
        DateTimeOffset? at = null,
        string camera = "cam-1",
        string agency = "agency-a",
        GeoPoint? where = null,
        float confidence = 0.9f) =>
        new()
        {
            Id = ReadId.New(at ?? T0),
            Plate = plate,
            Region = "US-WA",
            Confidence = confidence,
            CapturedAt = at ?? T0,
            Location = where ?? Downtown,
            CameraId = camera,
            AgencyId = agency,
        };

    public static PlateRead Full(DateTimeOffset at) => new()
    {
        Id = ReadId.New(at),
        Plate = "ABC1234",
        PlateRaw = "ABC-1234",
        Region = "US-WA",
        Confidence = 0.8765f,
        Candidates = [new PlateCandidate("ABC1284", 0.41f), new PlateCandidate("A8C1234", 0.2f)],
        CapturedAt = at,
        Location = new GeoPoint(47.612345, -122.334567, 12.5f),
        Heading = 271.5f,
        SpeedKmh = 48.2f,
        Vehicle = new VehicleAttributes("suv", "red", "ford"),
        CameraId = "patrol-7",
        AgencyId = "agency-a",
        Images = new ImageRefs(new string('a', 64), new string('b', 64)),
        Pass = new VehiclePass(at.AddMilliseconds(-1250), at.AddMilliseconds(830), "left-to-right", Parked: false, Frames: 9),
    };

    /// <summary>A point <paramref name="meters"/> north of <paramref name="origin"/>.</summary>
    public static GeoPoint North(GeoPoint origin, double meters) =>
        origin with { Latitude = origin.Latitude + (meters / Haversine.EarthRadiusMeters * (180 / Math.PI)) };

    public static GeoPoint East(GeoPoint origin, double meters) =>
        origin with { Longitude = origin.Longitude + (meters / (Haversine.EarthRadiusMeters * Math.Cos(Haversine.DegreesToRadians(origin.Latitude))) * (180 / Math.PI)) };

    public static ImmutableArray<string> PlatesOf(IEnumerable<PlateRead> reads) => [.. reads.Select(r => r.Plate)];
}
