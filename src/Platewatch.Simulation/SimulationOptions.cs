using Platewatch.Geo;

namespace Platewatch.Simulation;

/// <summary>What to simulate. The same options (seed included) always give the same city, truth and reads.</summary>
public sealed record SimulationOptions
{
    /// <summary>Seattle, roughly: about 25 km north to south and 15 km east to west.</summary>
    public static readonly BoundingBox Seattle = new(47.50, -122.44, 47.73, -122.24);

    public int Seed { get; init; } = 42;

    public int Vehicles { get; init; } = 2000;

    /// <summary>Pole, toll and parking-garage cameras together.</summary>
    public int FixedCameras { get; init; } = 60;

    /// <summary>Patrol cars and buses together; about a third are buses.</summary>
    public int MobileCameras { get; init; } = 6;

    /// <summary>First instant simulated, normalised to UTC. The default is a Monday.</summary>
    public DateTimeOffset Start { get; init; } = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    public int Days { get; init; } = 7;

    /// <summary>Share of reads whose plate text has a look-alike substitution.</summary>
    public double MisreadRate { get; init; } = 0.03;

    /// <summary>Share of passes a camera should have read but did not.</summary>
    public double MissRate { get; init; } = 0.05;

    public string AgencyId { get; init; } = "demo-pd";

    /// <summary>Owns the toll and bus cameras; null puts every camera under <see cref="AgencyId"/>.</summary>
    public string? TransitAgencyId { get; init; } = "demo-transit";

    public BoundingBox Bounds { get; init; } = Seattle;

    /// <summary>Local time of the city's routines (fixed, no daylight saving). The default suits Seattle in November.</summary>
    public TimeSpan UtcOffset { get; init; } = TimeSpan.FromHours(-8);

    /// <summary>ISO 3166-2 region where most vehicles are registered; its plate format is used for them.</summary>
    public string HomeRegion { get; init; } = "US-WA";

    /// <summary>Distance between neighbouring intersections of the street grid.</summary>
    public double BlockMeters { get; init; } = 400;

    // The planted counts are scaled down in a city too small to hold them (plants take at most half the
    // vehicles); GroundTruth records what was actually planted.
    public int AssociatePairs { get; init; } = 10;

    public int Convoys { get; init; } = 5;

    public int ClonedPlates { get; init; } = 5;

    public int HotlistCandidates { get; init; } = 20;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that cannot be simulated.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }

        Require(Vehicles is >= 1 and <= 50_000_000, $"Vehicles must be 1 to 50,000,000; got {Vehicles}.");
        Require(FixedCameras is >= 0 and <= 100_000, $"FixedCameras must be 0 to 100,000; got {FixedCameras}.");
        Require(MobileCameras is >= 0 and <= 10_000, $"MobileCameras must be 0 to 10,000; got {MobileCameras}.");
        Require(Days is >= 1 and <= 3660, $"Days must be 1 to 3660; got {Days}.");
        Require(Start.ToUniversalTime() >= new DateTimeOffset(2000, 1, 2, 0, 0, 0, TimeSpan.Zero), "Start must be after 2000-01-01.");
        Require(MisreadRate is >= 0 and <= 1, $"MisreadRate must be between 0 and 1; got {MisreadRate}.");
        Require(MissRate is >= 0 and < 1, $"MissRate must be at least 0 and below 1; got {MissRate}.");
        Require(UtcOffset >= TimeSpan.FromHours(-14) && UtcOffset <= TimeSpan.FromHours(14) && UtcOffset.Ticks % TimeSpan.TicksPerMinute == 0,
            $"UtcOffset must be whole minutes between -14 and +14 hours; got {UtcOffset}.");
        Require(BlockMeters is >= 50 and <= 5000, $"BlockMeters must be 50 to 5000; got {BlockMeters}.");
        Require(new BoxArea(Bounds) is var box && TryValidate(box), "Bounds must be a non-empty box of valid latitudes and longitudes.");
        Require(AssociatePairs >= 0 && Convoys >= 0 && ClonedPlates >= 0 && HotlistCandidates >= 0, "Planted counts cannot be negative.");
        Require(IsId(AgencyId), "AgencyId must be 1-64 characters of letters, digits, '-', '_', '.' or ':'.");
        Require(TransitAgencyId is null || (IsId(TransitAgencyId) && TransitAgencyId != AgencyId), "TransitAgencyId must be a valid id different from AgencyId, or null.");
        Require(HomeRegion.Length is >= 2 and <= 6, $"HomeRegion must be an ISO 3166 code such as US-WA; got '{HomeRegion}'.");
    }

    private static bool TryValidate(BoxArea box)
    {
        try
        {
            box.Validate();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool IsId(string s) =>
        s.Length is >= 1 and <= 64 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
