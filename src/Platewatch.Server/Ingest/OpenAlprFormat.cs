using System.Globalization;
using System.Text.Json;
using Platewatch.Formats;
using Platewatch.Reads;

using static Platewatch.Server.Ingest.FormatJson;

namespace Platewatch.Server.Ingest;

/// <summary>
/// The JSON an OpenALPR agent posts: <c>alpr_group</c> (one vehicle pass, with the best plate and crops) and
/// <c>alpr_results</c> (one frame's plates). A body may hold one such object or an array of them.
/// Confidences are 0-100 there and 0-1 here; regions are a country plus a state ("us" + "wa" becomes US-WA).
/// </summary>
internal static class OpenAlprFormat
{
    public static List<IngestItem> Parse(JsonElement root, IngestSender sender)
    {
        var items = new List<IngestItem>();
        if (root.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in root.EnumerateArray()) ParseOne(e, sender, items);
        }
        else
        {
            ParseOne(root, sender, items);
        }
        return items;
    }

    private static void ParseOne(JsonElement e, IngestSender sender, List<IngestItem> items)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            items.Add(IngestItem.Rejected("each OpenALPR message must be a JSON object"));
            return;
        }
        switch (Str(e, "data_type"))
        {
            case "alpr_group":
                items.Add(Group(e, sender));
                break;
            case "alpr_results":
                Results(e, sender, items);
                break;
            case null:
                items.Add(IngestItem.Rejected("data_type is missing (expected alpr_group or alpr_results)"));
                break;
            case var other:
                // Heartbeats and video events are valid agent messages that carry no read.
                items.Add(IngestItem.Rejected($"data_type '{Clip(other)}' carries no plate read (expected alpr_group or alpr_results)"));
                break;
        }
    }

    private static IngestItem Group(JsonElement g, IngestSender sender)
    {
        var best = g.TryGetProperty("best_plate", out var bp) && bp.ValueKind == JsonValueKind.Object ? bp : default;
        string? plate = Str(g, "best_plate_number") ?? (best.ValueKind == JsonValueKind.Object ? Str(best, "plate") : null);
        double? confidence = Num(g, "best_confidence") ?? (best.ValueKind == JsonValueKind.Object ? Num(best, "confidence") : null);
        long? epoch = Long(g, "epoch_start") ?? Long(g, "epoch_time");
        if (plate is null) return IngestItem.Rejected("alpr_group: best_plate_number is missing");
        if (confidence is null) return IngestItem.Rejected("alpr_group: best_confidence is missing");
        if (epoch is null) return IngestItem.Rejected("alpr_group: epoch_start is missing");
        var capturedAt = DateTimeOffset.FromUnixTimeMilliseconds(epoch.Value);
        var location = Location(g, sender, out string? noFix);
        if (location is null) return IngestItem.Rejected($"alpr_group: {noFix}");
        string key = "openalpr:" + (Str(g, "best_uuid") ?? $"{Str(g, "agent_uid")}/{Raw(g, "camera_id")}/{epoch}/{plate}");
        var dto = new ReadDto
        {
            Id = ReadId.Derived(capturedAt, key).ToString(),
            Plate = plate,
            Confidence = Math.Clamp(confidence.Value / 100, 0, 1),
            CapturedAt = capturedAt,
            Location = location,
            Region = Region(Str(g, "country"), Str(g, "best_region")),
            Heading = Num(g, "travel_direction") is { } h && h is >= 0 and < 360 ? h : null,
            Candidates = AlprCandidates(best.ValueKind == JsonValueKind.Object && best.TryGetProperty("candidates", out var bc) ? bc : g.TryGetProperty("candidates", out var gc) ? gc : default),
            Vehicle = Vehicle(g),
            CameraId = sender.CameraId,
            AgencyId = sender.AgencyId,
        };
        string? crop = best.ValueKind == JsonValueKind.Object ? Str(best, "plate_crop_jpeg") : null;
        string? context = Str(g, "vehicle_crop_jpeg");
        if (crop is not null || context is not null) dto.Images = new ImagesDto { PlateCropBase64 = crop, ContextBase64 = context };
        return new IngestItem(dto);
    }

    private static void Results(JsonElement r, IngestSender sender, List<IngestItem> items)
    {
        long? epoch = Long(r, "epoch_time");
        if (epoch is null)
        {
            items.Add(IngestItem.Rejected("alpr_results: epoch_time is missing"));
            return;
        }
        if (!r.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
        {
            items.Add(IngestItem.Rejected("alpr_results: results is missing"));
            return;
        }
        var capturedAt = DateTimeOffset.FromUnixTimeMilliseconds(epoch.Value);
        var location = Location(r, sender, out string? noFix);
        int i = 0;
        foreach (var p in results.EnumerateArray())
        {
            int index = i++;
            string? plate = p.ValueKind == JsonValueKind.Object ? Str(p, "plate") : null;
            double? confidence = p.ValueKind == JsonValueKind.Object ? Num(p, "confidence") : null;
            if (plate is null || confidence is null)
            {
                items.Add(IngestItem.Rejected($"alpr_results: results[{index}] needs plate and confidence"));
                continue;
            }
            if (location is null)
            {
                items.Add(IngestItem.Rejected($"alpr_results: {noFix}"));
                continue;
            }
            string key = $"openalpr:{Str(r, "uuid") ?? $"{Str(r, "agent_uid")}/{Raw(r, "camera_id")}/{epoch}"}#{index}";
            items.Add(new IngestItem(new ReadDto
            {
                Id = ReadId.Derived(capturedAt, key).ToString(),
                Plate = plate,
                Confidence = Math.Clamp(confidence.Value / 100, 0, 1),
                CapturedAt = capturedAt,
                Location = location,
                Region = Region(Str(r, "country"), Str(p, "region")),
                Candidates = AlprCandidates(p.TryGetProperty("candidates", out var c) ? c : default),
                CameraId = sender.CameraId,
                AgencyId = sender.AgencyId,
            }));
        }
    }

    /// <summary>The message's GPS when it has a real fix, else the camera's configured place; never 0,0.</summary>
    internal static LocationDto? Location(JsonElement e, IngestSender sender, out string? why)
    {
        why = null;
        if (Num(e, "gps_latitude") is { } lat && Num(e, "gps_longitude") is { } lon && !(lat == 0 && lon == 0))
            return new LocationDto { Lat = lat, Lon = lon };
        if (sender.Position is { } p) return new LocationDto { Lat = p.Lat, Lon = p.Lon };
        why = "the message has no GPS position and the camera key has none configured (admin create-camera-key --position LAT,LON)";
        return null;
    }

    internal static string Region(string? country, string? region)
    {
        if (string.IsNullOrWhiteSpace(region)) return country?.ToUpperInvariant() ?? "";
        region = region.Trim().ToUpperInvariant();
        if (region.Contains('-', StringComparison.Ordinal)) return region;
        if (string.IsNullOrWhiteSpace(country)) return region;
        country = country.Trim().ToUpperInvariant();
        return string.Equals(region, country, StringComparison.Ordinal) ? country : $"{country}-{region}";
    }

    private static List<CandidateDto>? AlprCandidates(JsonElement list) => Candidates(list, "confidence", 100);

    private static VehicleDto? Vehicle(JsonElement g)
    {
        if (!g.TryGetProperty("vehicle", out var v) || v.ValueKind != JsonValueKind.Object) return null;
        string? colour = Top(v, "color"), make = Top(v, "make"), type = Top(v, "body_type");
        return colour is null && make is null && type is null ? null : new VehicleDto { Colour = colour, Make = make, Type = type };

        static string? Top(JsonElement v, string name) =>
            v.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0 &&
            list[0].ValueKind == JsonValueKind.Object ? Str(list[0], "name") : null;
    }

    private static long? Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long l) ? l : null;

    private static string Raw(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText() : "";

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
