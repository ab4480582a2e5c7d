using System.Collections.Immutable;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Reads;

namespace Platewatch.Formats;

/// <summary>Turns untrusted input into reads, or into the reason it cannot be one.</summary>
public static class ReadMapping
{
    public readonly record struct Outcome(PlateRead? Read, string? Error);

    public static Outcome FromDto(ReadDto d, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (string.IsNullOrEmpty(d.Id)) return Fail("id is missing");
        if (!ReadId.TryParse(d.Id, null, out var id)) return Fail($"id '{Clip(d.Id)}' is not a UUID");
        if (string.IsNullOrEmpty(d.Plate)) return Fail("plate is missing");
        if (d.Plate.Length > PlateText.MaxLength * 3) return Fail("plate is too long");
        string plate = PlateText.Normalize(d.Plate);
        if (d.Confidence is null) return Fail("confidence is missing");
        if (d.CapturedAt is null) return Fail("capturedAt is missing");
        if (d.Location?.Lat is null || d.Location.Lon is null) return Fail("location.lat and location.lon are required");
        if (string.IsNullOrEmpty(d.CameraId)) return Fail("cameraId is missing");
        if (string.IsNullOrEmpty(d.AgencyId)) return Fail("agencyId is missing");
        if (d.Images is { PlateCropBase64: not null } or { ContextBase64: not null })
            return Fail("inline image data (plateCropBase64, contextBase64) is only accepted by the server's ingest API");
        if (d.Pass is { } pd && (pd.FirstSeen is null || pd.LastSeen is null)) return Fail("pass.firstSeen and pass.lastSeen are required when pass is given");
        if (d.Candidates is { Count: > PlateReadValidator.MaxCandidates }) return Fail($"at most {PlateReadValidator.MaxCandidates} candidates are allowed");
        var candidates = ImmutableArray<PlateCandidate>.Empty;
        if (d.Candidates is { Count: > 0 })
        {
            var b = ImmutableArray.CreateBuilder<PlateCandidate>(d.Candidates.Count);
            foreach (var c in d.Candidates)
            {
                if (c?.Plate is null || c.Confidence is null) return Fail("each candidate needs plate and confidence");
                b.Add(new PlateCandidate(PlateText.Normalize(c.Plate), (float)c.Confidence.Value));
            }
            candidates = b.MoveToImmutable();
        }
        var read = new PlateRead
        {
            Id = id,
            Plate = plate,
            PlateRaw = d.PlateRaw ?? (string.Equals(plate, d.Plate, StringComparison.Ordinal) ? null : d.Plate),
            Region = d.Region?.ToUpperInvariant() ?? "",
            Confidence = (float)d.Confidence.Value,
            Candidates = candidates,
            CapturedAt = DateTimeOffset.FromUnixTimeMilliseconds(d.CapturedAt.Value.ToUnixTimeMilliseconds()),
            Location = new GeoPoint(d.Location.Lat.Value, d.Location.Lon.Value, (float)(d.Location.Accuracy ?? 0)),
            Heading = (float?)d.Heading,
            SpeedKmh = (float?)d.SpeedKmh,
            Vehicle = d.Vehicle is null ? null : new VehicleAttributes(d.Vehicle.Type, d.Vehicle.Colour, d.Vehicle.Make),
            CameraId = d.CameraId,
            AgencyId = d.AgencyId,
            Images = d.Images is null ? null : new ImageRefs(d.Images.PlateCrop, d.Images.Context),
            Pass = d.Pass is null ? null : new VehiclePass(Ms(d.Pass.FirstSeen!.Value), Ms(d.Pass.LastSeen!.Value), d.Pass.Direction, d.Pass.Parked ?? false, d.Pass.Frames ?? 0),
        };
        return PlateReadValidator.Check(read, now) is { } why ? Fail(why) : new Outcome(read, null);
    }

    public static ReadDto ToDto(PlateRead r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new ReadDto
        {
            Id = r.Id.ToString(),
            Plate = r.Plate,
            PlateRaw = r.PlateRaw,
            Region = r.Region.Length == 0 ? null : r.Region,
            Confidence = Math.Round(r.Confidence, 4),
            Candidates = r.Candidates.IsDefaultOrEmpty ? null : [.. r.Candidates.Select(c => new CandidateDto { Plate = c.Plate, Confidence = Math.Round(c.Confidence, 4) })],
            CapturedAt = r.CapturedAt,
            Location = new LocationDto { Lat = r.Location.Latitude, Lon = r.Location.Longitude, Accuracy = r.Location.AccuracyMeters },
            Heading = r.Heading,
            SpeedKmh = r.SpeedKmh,
            Vehicle = r.Vehicle is null ? null : new VehicleDto { Type = r.Vehicle.Type, Colour = r.Vehicle.Colour, Make = r.Vehicle.Make },
            CameraId = r.CameraId,
            AgencyId = r.AgencyId,
            Images = r.Images is null ? null : new ImagesDto { PlateCrop = r.Images.PlateCrop, Context = r.Images.Context },
            Pass = r.Pass is null ? null : new PassDto { FirstSeen = r.Pass.FirstSeen, LastSeen = r.Pass.LastSeen, Direction = r.Pass.Direction, Parked = r.Pass.Parked ? true : null, Frames = r.Pass.Frames == 0 ? null : r.Pass.Frames },
        };
    }

    /// <summary>Millisecond precision in UTC, as reads store time.</summary>
    private static DateTimeOffset Ms(DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());

    private static Outcome Fail(string why) => new(null, why);

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
