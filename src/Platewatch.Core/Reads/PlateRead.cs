using System.Collections.Immutable;
using Platewatch.Geo;

namespace Platewatch.Reads;

/// <summary>One alternative reading of a plate, as ranked by the recognizer.</summary>
public readonly record struct PlateCandidate(string Plate, float Confidence);

/// <summary>What the camera or recognizer could tell about the vehicle; every part is optional.</summary>
public sealed record VehicleAttributes(string? Type = null, string? Colour = null, string? Make = null);

/// <summary>
/// How a tracked vehicle went past, when a camera or agent followed it over several frames: first and last frame,
/// direction of travel in the image ("left-to-right", "approaching", ...), and whether it stood still (parked).
/// </summary>
public sealed record VehiclePass(DateTimeOffset FirstSeen, DateTimeOffset LastSeen, string? Direction = null, bool Parked = false, int Frames = 0);

/// <summary>Content-addressed references (SHA-256 hex) to the plate crop and the context image.</summary>
public sealed record ImageRefs(string? PlateCrop = null, string? Context = null);

/// <summary>
/// One sighting of a plate. Immutable; build through <see cref="PlateReadValidator"/> when the input is untrusted.
/// </summary>
public sealed record PlateRead
{
    public required ReadId Id { get; init; }

    /// <summary>Normalised: A-Z and 0-9 only.</summary>
    public required string Plate { get; init; }

    /// <summary>The text as the camera reported it, when it differs from <see cref="Plate"/>.</summary>
    public string? PlateRaw { get; init; }

    /// <summary>ISO 3166-2 (US-WA) where known, else the country (BR), else empty.</summary>
    public string Region { get; init; } = "";

    public required float Confidence { get; init; }

    public ImmutableArray<PlateCandidate> Candidates { get; init; } = [];

    /// <summary>UTC, millisecond precision.</summary>
    public required DateTimeOffset CapturedAt { get; init; }

    public required GeoPoint Location { get; init; }

    /// <summary>Degrees clockwise from north.</summary>
    public float? Heading { get; init; }

    public float? SpeedKmh { get; init; }

    public VehicleAttributes? Vehicle { get; init; }

    public required string CameraId { get; init; }

    public required string AgencyId { get; init; }

    public ImageRefs? Images { get; init; }

    public VehiclePass? Pass { get; init; }
}
