using System.Text.Json;
using Platewatch.Formats;
using Platewatch.Reads;

namespace Platewatch.Server.Ingest;

/// <summary>Lenient field access shared by the third-party formats: a missing or mistyped field is null, never an exception.</summary>
internal static class FormatJson
{
    public static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static double? Num(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d) ? d : null;

    /// <summary>A format's candidate list ({plate, SCORE}), the score divided by <paramref name="scale"/> into 0-1; at most our cap.</summary>
    public static List<CandidateDto>? Candidates(JsonElement list, string scoreField, double scale)
    {
        if (list.ValueKind != JsonValueKind.Array) return null;
        var result = new List<CandidateDto>();
        foreach (var c in list.EnumerateArray())
        {
            if (result.Count == PlateReadValidator.MaxCandidates) break;
            if (c.ValueKind == JsonValueKind.Object && Str(c, "plate") is { Length: > 0 } plate && Num(c, scoreField) is { } score)
                result.Add(new CandidateDto { Plate = plate.ToUpperInvariant(), Confidence = Math.Clamp(score / scale, 0, 1) });
        }
        return result.Count == 0 ? null : result;
    }
}
