using System.Collections.Immutable;
using Platewatch.Geo;
using Platewatch.Reads;

namespace Platewatch.Analytics;

/// <summary>One read of the target on its timeline. <paramref name="PlateAsRead"/> differs from the target when the read is a look-alike misread.</summary>
public sealed record HistoryEntry(ReadId Id, string PlateAsRead, DateTimeOffset At, GeoPoint Location, string CameraId, float Confidence);

/// <summary>A plate's reads in time order, with the cameras that saw it.</summary>
public sealed record HistoryResult(string Plate, ImmutableArray<HistoryEntry> Reads, ImmutableArray<string> Cameras, ImmutableArray<string> LookAlikesIncluded);

public enum PlaceKind
{
    /// <summary>Mostly overnight: probably a residence.</summary>
    Overnight,

    /// <summary>Mostly weekday daytime: probably work.</summary>
    WeekdayDaytime,
    Other,
}

/// <summary>
/// A cluster of the target's reads. <paramref name="Nights"/> counts nights with a read there (21:00-06:00 local),
/// <paramref name="WorkingDays"/> weekdays with a read there in working hours (09:00-17:00). <paramref name="Hours"/> counts reads per local hour (24),
/// <paramref name="Weekdays"/> per local weekday, Monday first (7).
/// </summary>
public sealed record UsualPlace(
    int Rank,
    GeoPoint Center,
    PlaceKind Kind,
    int Reads,
    int Visits,
    int Days,
    int Nights,
    int WorkingDays,
    TimeSpan Dwell,
    ImmutableArray<int> Hours,
    ImmutableArray<int> Weekdays,
    ImmutableArray<string> Cameras);

public sealed record PlacesResult(string Plate, int Reads, ImmutableArray<UsualPlace> Places)
{
    /// <summary>The most likely residence: the place seen on the most nights.</summary>
    public UsualPlace? LikelyHome => Places.Where(p => p.Nights > 0).OrderByDescending(p => p.Nights).ThenBy(p => p.Rank).FirstOrDefault();

    /// <summary>The most likely workplace: the place other than the likely home seen on the most weekdays in working hours.</summary>
    public UsualPlace? LikelyWork => Places.Where(p => p.WorkingDays > 1 && p != LikelyHome).OrderByDescending(p => p.WorkingDays).ThenBy(p => p.Rank).FirstOrDefault();
}

/// <summary>A trip taken more than once: the cameras in order, with the usual local departure and arrival times.</summary>
public sealed record CommonRoute(ImmutableArray<string> Cameras, int Trips, TimeOnly UsualDeparture, TimeOnly UsualArrival);

/// <summary>First and last sightings of one local day.</summary>
public sealed record DaySpan(DateOnly Day, DateTimeOffset First, string FirstCamera, DateTimeOffset Last, string LastCamera, int Reads);

/// <param name="Activity">Reads per local weekday (Monday first) and hour: index weekday * 24 + hour.</param>
public sealed record RoutesResult(string Plate, int Trips, ImmutableArray<CommonRoute> Routes, ImmutableArray<int> Activity, ImmutableArray<DaySpan> Days);

/// <summary>
/// A vehicle repeatedly seen near the target. <paramref name="Expected"/> is how many days it would share with
/// the target by chance, from its own habits at those places and times of day; <paramref name="Score"/> is
/// -log10 of the chance of sharing at least <paramref name="Days"/> days (Poisson), summed over the places where
/// the sharing is significant (<paramref name="Places"/>). <paramref name="Share"/> is the vehicle's part of the target's
/// company at its most distinctive such place: near 1 for the one vehicle always beside it, small at a busy place.
/// </summary>
public sealed record Associate(string Plate, int Encounters, int Days, int Places, double Expected, double Lift, double Score, double Share, ImmutableArray<DateOnly> Dates);

public sealed record AssociatesResult(string Plate, int TargetReads, int Candidates, ImmutableArray<Associate> Associates);

/// <summary>A vehicle that shared at least k cameras with the target within the time window on <paramref name="Trips"/> of its trips.</summary>
public sealed record ConvoyMember(string Plate, int Trips, int Days, int MaxSharedCameras, ImmutableArray<string> Cameras, ImmutableArray<DateOnly> Dates);

public sealed record ConvoyResult(string Plate, int TargetTrips, ImmutableArray<ConvoyMember> Members);

/// <summary>A plate seen in a stakeout: which areas (1-based, in the order given), how often, when.</summary>
public sealed record StakeoutHit(string Plate, ImmutableArray<int> Areas, int Sightings, DateTimeOffset First, DateTimeOffset Last, ImmutableArray<string> Spellings);

public sealed record StakeoutResult(int Areas, int MinAreas, ImmutableArray<StakeoutHit> Plates, bool Truncated);

/// <summary>Two reads of one plate farther apart than any vehicle could travel in the time between them.</summary>
public sealed record ImpossibleTrip(DateTimeOffset FromAt, GeoPoint From, string FromCamera, DateTimeOffset ToAt, GeoPoint To, string ToCamera, double DistanceKm, double SpeedKmh);

public sealed record ClonedPlate(string Plate, int Conflicts, int Days, double MaxSpeedKmh, ImmutableArray<ImpossibleTrip> Examples);

public sealed record ClonedResult(string? Plate, int PlatesChecked, ImmutableArray<ClonedPlate> Plates);
