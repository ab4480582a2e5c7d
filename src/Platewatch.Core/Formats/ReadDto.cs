using System.Text.Json.Serialization;

namespace Platewatch.Formats;

/// <summary>The wire and file shape of a read (JSON), kept apart from the domain record so bad input can be reported field by field.</summary>
public sealed class ReadDto
{
    public string? Id { get; set; }
    public string? Plate { get; set; }
    public string? PlateRaw { get; set; }
    public string? Region { get; set; }
    public double? Confidence { get; set; }
    public List<CandidateDto>? Candidates { get; set; }
    public DateTimeOffset? CapturedAt { get; set; }
    public LocationDto? Location { get; set; }
    public double? Heading { get; set; }
    public double? SpeedKmh { get; set; }
    public VehicleDto? Vehicle { get; set; }
    public string? CameraId { get; set; }
    public string? AgencyId { get; set; }
    public ImagesDto? Images { get; set; }
    public PassDto? Pass { get; set; }
}

/// <summary>A tracked vehicle pass: first and last frame, direction of travel, parked, frames seen.</summary>
public sealed class PassDto
{
    public DateTimeOffset? FirstSeen { get; set; }
    public DateTimeOffset? LastSeen { get; set; }
    public string? Direction { get; set; }
    public bool? Parked { get; set; }
    public int? Frames { get; set; }
}

public sealed class CandidateDto
{
    public string? Plate { get; set; }
    public double? Confidence { get; set; }
}

public sealed class LocationDto
{
    public double? Lat { get; set; }
    public double? Lon { get; set; }
    public double? Accuracy { get; set; }
}

public sealed class VehicleDto
{
    public string? Type { get; set; }
    public string? Colour { get; set; }
    public string? Make { get; set; }
}

/// <summary>An image is named by its SHA-256 (already uploaded, or a multipart part of the same request) or sent inline as base64.</summary>
public sealed class ImagesDto
{
    public string? PlateCrop { get; set; }
    public string? Context { get; set; }
    public string? PlateCropBase64 { get; set; }
    public string? ContextBase64 { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ReadDto))]
[JsonSerializable(typeof(List<ReadDto>))]
public sealed partial class ReadJsonContext : JsonSerializerContext;
