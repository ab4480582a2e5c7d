using System.Globalization;
using System.Text.Json;
using Platewatch.Formats;
using Platewatch.Reads;

using static Platewatch.Server.Ingest.FormatJson;

namespace Platewatch.Server.Ingest;

/// <summary>
/// Plate Recognizer's webhook (<c>{"hook":{...},"data":{...}}</c>, as Stream and the Snapshot SDK send it) and its
/// plain recognition result (<c>{"results":[...],"timestamp":...}</c>). Plates come lower-case with scores
/// 0-1 and regions such as "us-ca". The image of a multipart webhook ("upload") becomes each read's context image.
/// </summary>
internal static class PlateRecognizerFormat
{
    public static List<IngestItem> Parse(JsonElement root, IngestSender sender, string? uploadSha)
    {
        var items = new List<IngestItem>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            items.Add(IngestItem.Rejected("the body must be a Plate Recognizer webhook or result object"));
            return items;
        }
        var data = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : root;
        if (!data.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
        {
            items.Add(IngestItem.Rejected("data.results is missing"));
            return items;
        }
        string? stamp = Str(data, "timestamp");
        if (stamp is null || !DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var capturedAt))
        {
            items.Add(IngestItem.Rejected(stamp is null ? "data.timestamp is missing" : $"data.timestamp '{stamp}' is not an ISO 8601 time"));
            return items;
        }
        string source = Str(data, "camera_id") ?? sender.CameraId ?? "";
        int i = 0;
        foreach (var r in results.EnumerateArray())
        {
            int index = i++;
            string? plate = r.ValueKind == JsonValueKind.Object ? Str(r, "plate") : null;
            double? score = r.ValueKind == JsonValueKind.Object ? Num(r, "score") : null;
            if (plate is null || score is null)
            {
                items.Add(IngestItem.Rejected($"data.results[{index}] needs plate and score"));
                continue;
            }
            var location = Gps(r) ?? Gps(data) ?? (sender.Position is { } p ? new LocationDto { Lat = p.Lat, Lon = p.Lon } : null);
            if (location is null)
            {
                items.Add(IngestItem.Rejected("the result has no GPS position and the camera key has none configured (admin create-camera-key --position LAT,LON)"));
                continue;
            }
            string box = r.TryGetProperty("box", out var b) ? b.GetRawText() : index.ToString(CultureInfo.InvariantCulture);
            var dto = new ReadDto
            {
                Id = ReadId.Derived(capturedAt, $"platerecognizer:{source}/{stamp}/{plate}/{box}").ToString(),
                Plate = plate.ToUpperInvariant(),
                Confidence = Math.Clamp(score.Value, 0, 1),
                CapturedAt = capturedAt,
                Location = location,
                Region = r.TryGetProperty("region", out var reg) && reg.ValueKind == JsonValueKind.Object ? Str(reg, "code")?.ToUpperInvariant() ?? "" : "",
                Heading = Num(r, "direction") is { } h && h is >= 0 and < 360 ? h : null,
                Candidates = ResultCandidates(r),
                Vehicle = Vehicle(r),
                CameraId = sender.CameraId,
                AgencyId = sender.AgencyId,
            };
            if (uploadSha is not null) dto.Images = new ImagesDto { Context = uploadSha };
            items.Add(new IngestItem(dto));
        }
        return items;
    }

    private static LocationDto? Gps(JsonElement e) =>
        e.TryGetProperty("gps", out var g) && g.ValueKind == JsonValueKind.Object &&
        Num(g, "latitude") is { } lat && Num(g, "longitude") is { } lon && !(lat == 0 && lon == 0)
            ? new LocationDto { Lat = lat, Lon = lon }
            : null;

    private static List<CandidateDto>? ResultCandidates(JsonElement r) =>
        r.TryGetProperty("candidates", out var list) ? Candidates(list, "score", 1) : null;

    private static VehicleDto? Vehicle(JsonElement r)
    {
        string? type = r.TryGetProperty("vehicle", out var v) && v.ValueKind == JsonValueKind.Object ? Str(v, "type") : null;
        string? colour = First(r, "color", "color");
        string? make = First(r, "model_make", "make");
        return type is null && colour is null && make is null ? null : new VehicleDto { Type = type, Colour = colour, Make = make };

        static string? First(JsonElement r, string list, string field) =>
            r.TryGetProperty(list, out var l) && l.ValueKind == JsonValueKind.Array && l.GetArrayLength() > 0 && l[0].ValueKind == JsonValueKind.Object
                ? Str(l[0], field)
                : null;
    }
}
