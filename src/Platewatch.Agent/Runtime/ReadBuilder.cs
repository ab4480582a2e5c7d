using System.Globalization;
using System.Text.Json;
using Platewatch.Agent.Positioning;
using Platewatch.Agent.Tracking;
using Platewatch.Formats;
using Platewatch.Reads;

namespace Platewatch.Agent.Runtime;

/// <summary>Turns a vehicle pass and the camera's position into a read in the Platewatch schema, with its id minted now.</summary>
internal static class ReadBuilder
{
    public static ReadDto Build(PlateGroup group, ReadPosition position, string cameraId, string agencyId, byte[]? crop)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(position);
        var capturedAt = DateTimeOffset.FromUnixTimeMilliseconds(group.Best.Time.ToUnixTimeMilliseconds());
        return new ReadDto
        {
            // Minted at capture and stored with the read before any send: every resend carries it, so the server keeps one.
            Id = ReadId.New(capturedAt).ToString(),
            Plate = group.Plate,
            Region = Region(group.Region),
            Confidence = Math.Round(group.Confidence, 4),
            Candidates = group.Candidates.Length <= 1 ? null
                : [.. group.Candidates.Skip(1).Take(PlateReadValidator.MaxCandidates).Select(c => new CandidateDto { Plate = c.Text, Confidence = Math.Round(c.Confidence, 4) })],
            CapturedAt = capturedAt,
            Location = new LocationDto { Lat = Math.Round(position.Latitude, 7), Lon = Math.Round(position.Longitude, 7), Accuracy = position.AccuracyMeters },
            Heading = position.Heading is { } h ? Math.Round(h, 1) % 360 : null,
            SpeedKmh = position.SpeedKmh is { } s ? Math.Round(Math.Clamp(s, 0, 500), 1) : null,
            CameraId = cameraId,
            AgencyId = agencyId,
            // Inline, so the crop waits in the durable queue with its read and reaches the server's image store with it.
            Images = crop is null ? null : new ImagesDto { PlateCropBase64 = Convert.ToBase64String(crop) },
            Pass = new PassDto
            {
                FirstSeen = Min(group.Start, capturedAt),
                LastSeen = Max(group.End, capturedAt),
                Direction = group.Direction.Length == 0 ? null : group.Direction,
                Parked = group.Parked ? true : null,
                Frames = group.Frames,
            },
        };
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(a.ToUnixTimeMilliseconds(), b.ToUnixTimeMilliseconds()));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(a.ToUnixTimeMilliseconds(), b.ToUnixTimeMilliseconds()));

    public static string Json(ReadDto dto) => JsonSerializer.Serialize(dto, ReadJsonContext.Default.ReadDto);

    /// <summary>The recognizer's region (us-ca, br, eu) as ISO 3166 (US-CA, BR); groups that are not countries are left out.</summary>
    public static string? Region(string region)
    {
        if (region.Length == 0) return null;
        string r = region.ToUpperInvariant();
        return r is "EU" ? null : r;
    }

    /// <summary>A local record of the pass with what the server's schema has no field for (direction, parked, span, fix).</summary>
    public static string PassRecord(PlateGroup group, string source, string? readId, ReadPosition? position)
    {
        ArgumentNullException.ThrowIfNull(group);
        var o = new Dictionary<string, object?>
        {
            ["type"] = "alpr_group",
            ["source"] = source,
            ["id"] = readId,
            ["plate"] = group.Plate,
            ["confidence"] = Math.Round(group.Confidence, 4),
            ["start"] = group.Start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["end"] = group.End.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["frames"] = group.Frames,
            ["direction"] = group.Direction,
            ["parked"] = group.Parked,
            ["fix"] = position?.Fix ?? "none",
        };
        return JsonSerializer.Serialize(o, AgentJsonContext.Default.DictionaryStringObject);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object?>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<Dictionary<string, object?>>))]
internal sealed partial class AgentJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
