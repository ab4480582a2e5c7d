using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platewatch.Recognition.Evaluation;

/// <summary>Writes results in OpenALPR's JSON shape, so that tools that read OpenALPR output read ours.</summary>
public static class OpenAlprJson
{
    public static JsonObject ToJson(RecognitionResult result, int requestedTopN)
    {
        ArgumentNullException.ThrowIfNull(result);
        var plates = new JsonArray();
        for (int i = 0; i < result.Plates.Length; i++)
        {
            var p = result.Plates[i];
            var coords = new JsonArray();
            foreach (var c in p.Corners) coords.Add(new JsonObject { ["x"] = (int)MathF.Round(c.X), ["y"] = (int)MathF.Round(c.Y) });
            var candidates = new JsonArray();
            foreach (var c in p.Candidates)
                candidates.Add(new JsonObject { ["plate"] = c.Text, ["confidence"] = Percent(c.Confidence), ["matches_template"] = c.MatchesFormat ? 1 : 0 });
            plates.Add(new JsonObject
            {
                ["plate"] = p.Text,
                ["confidence"] = Percent(p.Confidence),
                ["matches_template"] = p.MatchesFormat ? 1 : 0,
                ["plate_index"] = i,
                ["region"] = OpenAlprRegion(p.Region),
                ["region_confidence"] = (int)Math.Round(p.RegionConfidence * 100),
                ["processing_time_ms"] = Math.Round(result.Timings.RecognizeMs + result.Timings.PostprocessMs, 3),
                ["requested_topn"] = requestedTopN,
                ["coordinates"] = coords,
                ["candidates"] = candidates,
                ["lines"] = p.Lines,
                ["character_confidences"] = new JsonArray([.. p.CharacterConfidences.Select(c => (JsonNode?)JsonValue.Create(Percent(c)))]),
            });
        }
        return new JsonObject
        {
            ["version"] = 2,
            ["data_type"] = "alpr_results",
            ["epoch_time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["img_width"] = result.ImageWidth,
            ["img_height"] = result.ImageHeight,
            ["processing_time_ms"] = Math.Round(result.Timings.TotalMs, 3),
            ["regions_of_interest"] = new JsonArray(),
            ["results"] = plates,
        };
    }

    public static string Serialize(RecognitionResult result, int requestedTopN) =>
        ToJson(result, requestedTopN).ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>OpenALPR names a US state by its code alone (<c>ca</c>), and a country by its code.</summary>
    public static string OpenAlprRegion(string region) =>
        region.StartsWith("us-", StringComparison.Ordinal) ? region[3..] : region;

    private static double Percent(double v) => Math.Round(v * 100, 3);
}
