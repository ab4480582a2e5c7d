using System.Globalization;
using Platewatch.Geo;
using Platewatch.Reads;
using Platewatch.Simulation;

namespace Platewatch.Simulation.Tests;

/// <summary>
/// A small city (hundreds of vehicles, one week) simulated once and shared: every test reads it, none changes it.
/// Dense enough in cameras that each planted relationship shows in a week.
/// </summary>
internal static class TestCity
{
    public static readonly SimulationOptions Options = new()
    {
        Seed = 7,
        Vehicles = 600,
        FixedCameras = 60,
        MobileCameras = 9,
        Days = 7,
        BlockMeters = 500,
        AssociatePairs = 6,
        Convoys = 3,
        ClonedPlates = 3,
        HotlistCandidates = 10,
    };

    private static readonly Lazy<(CitySimulator Sim, List<PlateRead> Reads)> s_city = new(() =>
    {
        var sim = new CitySimulator(Options);
        return (sim, sim.Generate(4096).SelectMany(b => b).ToList());
    });

    public static CitySimulator Simulator => s_city.Value.Sim;

    public static IReadOnlyList<PlateRead> Reads => s_city.Value.Reads;

    public static GroundTruth Truth => Simulator.Truth;

    public static DateTimeOffset End => Options.Start.AddDays(Options.Days);

    public static List<PlateRead> Generate(SimulationOptions options) => new CitySimulator(options).Generate(4096).SelectMany(b => b).ToList();

    public static bool IsMobile(PlateRead r) => r.CameraId.StartsWith("patrol-", StringComparison.Ordinal) || r.CameraId.StartsWith("bus-", StringComparison.Ordinal);

    public static double Metres(PlateRead a, PlateRead b) => Haversine.DistanceMeters(a.Location, b.Location);

    public static double Metres(PlateRead a, LatLon b) => Haversine.DistanceMeters(a.Location.Latitude, a.Location.Longitude, b.Lat, b.Lon);

    public static DateTime Local(PlateRead r) => r.CapturedAt.UtcDateTime + Options.UtcOffset;

    /// <summary>Everything that makes a read what it is, as one comparable line.</summary>
    public static string Fingerprint(PlateRead r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Id}|{r.Plate}|{r.Region}|{r.Confidence}|{string.Join(',', r.Candidates.Select(c => $"{c.Plate}:{c.Confidence}"))}|{r.CapturedAt:O}|{r.Location}|{r.Heading}|{r.SpeedKmh}|{r.Vehicle}|{r.CameraId}|{r.AgencyId}");
}
