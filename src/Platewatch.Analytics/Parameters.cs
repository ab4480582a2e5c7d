using System.Collections.Immutable;
using System.Globalization;
using Platewatch.Query;
using Platewatch.Reads;

namespace Platewatch.Analytics;

/// <summary>Who runs an analysis, why, and under which authority.</summary>
public sealed record AnalysisCaller(Principal Who, AccessPurpose Why, AnalysisAuthorization? Authorization = null, string? Source = null);

/// <summary>Settings shared by the analyses of one vehicle.</summary>
public sealed record VehicleQuery
{
    public required string Plate { get; init; }

    public required TimeRange Range { get; init; }

    /// <summary>Local time of the place, for time-of-day and weekday profiles (fixed offset).</summary>
    public TimeSpan UtcOffset { get; init; }

    /// <summary>Include reads of look-alike spellings (one or two confusable characters) that were never read cleanly: OCR misreads of the target.</summary>
    public bool LookAlikes { get; init; } = true;
}

public sealed record PlacesOptions
{
    /// <summary>Reads within this distance of a place's centre belong to it.</summary>
    public double RadiusMeters { get; init; } = 120;

    /// <summary>Reads at one place further apart than this start a new visit.</summary>
    public TimeSpan VisitGap { get; init; } = TimeSpan.FromMinutes(45);

    public int MaxPlaces { get; init; } = 20;
}

public sealed record RoutesOptions
{
    /// <summary>A gap longer than this between reads ends a trip.</summary>
    public TimeSpan TripGap { get; init; } = TimeSpan.FromMinutes(30);

    public int MaxRoutes { get; init; } = 20;
}

public sealed record AssociatesOptions
{
    /// <summary>Vehicles parked together are within metres; 20 m leaves room for mobile cameras' GPS error (3-9 m).
    /// Wider radii take in other households of the block.</summary>
    public double RadiusMeters { get; init; } = 20;

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Half-width of the time-of-day band a candidate's own habits are measured over, for the background.</summary>
    public TimeSpan HabitBand { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Distinct days a vehicle must share with the target.</summary>
    public int MinDays { get; init; } = 2;

    /// <summary>Least -log10 chance of sharing that many days by coincidence.</summary>
    public double MinScore { get; init; } = 4;

    /// <summary>
    /// At a single place, the least part of the target's repeated company there a vehicle must be (days met, over the days
    /// met summed over every vehicle met there): a busy place's regulars each make a small part.
    /// </summary>
    public double MinShare { get; init; } = 0.3;

    public int MaxResults { get; init; } = 50;

    /// <summary>Most candidates whose background is fetched (those sharing the most days first).</summary>
    public int MaxCandidates { get; init; } = 2000;
}

public sealed record ConvoyOptions
{
    /// <summary>k: distinct cameras shared with the target in one trip.</summary>
    public int MinCameras { get; init; } = 2;

    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan TripGap { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Trips on distinct days a vehicle must share to be reported.</summary>
    public int MinDays { get; init; } = 2;

    public int MaxResults { get; init; } = 50;
}

public sealed record StakeoutOptions
{
    public required ImmutableArray<AreaWindow> Areas { get; init; }

    /// <summary>m: in how many areas a plate must be seen; null means all.</summary>
    public int? MinAreas { get; init; }

    public int MaxResults { get; init; } = 10_000;
}

public sealed record ClonedOptions
{
    /// <summary>One plate, or null for a sweep over every plate in the window.</summary>
    public string? Plate { get; init; }

    public required TimeRange Range { get; init; }

    /// <summary>Straight-line speed no road vehicle sustains in a city.</summary>
    public double MaxSpeedKmh { get; init; } = 130;

    /// <summary>Pairs closer than this (after GPS accuracy) are never a conflict: camera clocks and positions have error.</summary>
    public double MinDistanceMeters { get; init; } = 2000;

    /// <summary>Only confident reads count: a misread is the commonest cause of a false clone.</summary>
    public float MinConfidence { get; init; } = 0.8f;

    /// <summary>Impossible trips a plate needs to be reported.</summary>
    public int MinConflicts { get; init; } = 1;

    /// <summary>Longest sweep window: a sweep reads every plate.</summary>
    public static readonly TimeSpan MaxSweep = TimeSpan.FromDays(7);
}

internal static class Settings
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    public static string Num(double v) => v.ToString("0.###", s_inv);

    public static string Secs(TimeSpan t) => Num(t.TotalSeconds) + "s";
}
