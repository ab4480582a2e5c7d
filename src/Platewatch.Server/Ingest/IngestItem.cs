using Platewatch.Formats;

namespace Platewatch.Server.Ingest;

/// <summary>One read as parsed from a request, in our schema, or the reason the input could not become one.</summary>
internal sealed record IngestItem(ReadDto? Dto, string? Error = null)
{
    public static IngestItem Rejected(string why) => new(null, why);
}

/// <summary>What the third-party formats need to know about the sender: its camera, agency and fixed place.</summary>
internal sealed record IngestSender(string AgencyId, string? CameraId, (double Lat, double Lon)? Position);
