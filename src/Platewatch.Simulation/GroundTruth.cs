using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platewatch.Simulation;

/// <summary>A position without accuracy, as the ground truth records homes and workplaces.</summary>
public readonly record struct LatLon(double Lat, double Lon);

/// <summary>A plate as registered: the text, its region and the simulated vehicle (an index into <see cref="GroundTruth.Vehicles"/>).</summary>
public sealed record PlateRef(string Plate, string Region, int Vehicle);

public sealed record VehicleTruth(
    int Index,
    string Plate,
    string Region,
    LatLon Home,
    LatLon? Work,
    string Type,
    string Colour,
    string Make,
    bool StreetParkedAtHome);

[JsonConverter(typeof(JsonStringEnumConverter<AssociateKind>))]
public enum AssociateKind
{
    /// <summary>Live on the same block (parked within metres overnight) and work on the same block.</summary>
    Neighbours,

    /// <summary>The first vehicle stays overnight at the second's home on <see cref="AssociatePair.Nights"/>.</summary>
    OvernightVisits,
}

/// <param name="Nights">For overnight visits: the local dates of the evenings the visit starts.</param>
public sealed record AssociatePair(PlateRef A, PlateRef B, AssociateKind Kind, IReadOnlyList<DateOnly> Nights);

/// <param name="Members">The leader first; followers drive the leader's trips the given seconds behind, on <paramref name="Days"/>.</param>
/// <param name="Days">Local dates on which the group travelled together.</param>
public sealed record Convoy(int Id, IReadOnlyList<PlateRef> Members, IReadOnlyList<DateOnly> Days);

/// <summary>One plate on two vehicles that live far apart; the clone usually differs in make or colour too.</summary>
public sealed record ClonedPlate(string Plate, string Region, int OriginalVehicle, int CloneVehicle, LatLon OriginalHome, LatLon CloneHome, double DistanceKm);

[JsonConverter(typeof(JsonStringEnumConverter<HotlistCategory>))]
public enum HotlistCategory
{
    StolenVehicle,
    StolenPlate,
    WantedPerson,
    MissingPerson,
    AmberAlert,
}

/// <param name="Vehicle">The simulated vehicle carrying the plate, or null for a plate never seen in the city.</param>
public sealed record HotlistCandidate(string Plate, string Region, HotlistCategory Category, int? Vehicle);

/// <summary>
/// Everything the simulation planted, so that analytics can be scored for precision and recall.
/// Write it with <see cref="WriteJson"/>; <see cref="Vehicles"/> is produced lazily, so even a million
/// vehicles stream out without being held as objects.
/// </summary>
public sealed record GroundTruth
{
    public required int Seed { get; init; }
    public required DateTimeOffset Start { get; init; }
    public required int Days { get; init; }
    public required string HomeRegion { get; init; }
    public required TimeSpan UtcOffset { get; init; }
    public required IReadOnlyList<VehicleTruth> Vehicles { get; init; }
    public required IReadOnlyList<AssociatePair> Associates { get; init; }
    public required IReadOnlyList<Convoy> Convoys { get; init; }
    public required IReadOnlyList<ClonedPlate> ClonedPlates { get; init; }
    public required IReadOnlyList<HotlistCandidate> Hotlist { get; init; }

    public void WriteJson(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonSerializer.Serialize(stream, this, GroundTruthJson.Default.GroundTruth);
    }

    public static GroundTruth ReadJson(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return JsonSerializer.Deserialize(stream, GroundTruthJson.Default.GroundTruth)
            ?? throw new JsonException("The ground-truth file is empty.");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GroundTruth))]
internal sealed partial class GroundTruthJson : JsonSerializerContext;

/// <summary>Builds each vehicle's truth on demand instead of holding one object per vehicle.</summary>
internal sealed class LazyList<T>(int count, Func<int, T> item) : IReadOnlyList<T>
{
    public T this[int index] => (uint)index < (uint)count ? item(index) : throw new ArgumentOutOfRangeException(nameof(index));

    public int Count => count;

    public IEnumerator<T> GetEnumerator()
    {
        for (int i = 0; i < count; i++) yield return item(i);
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
