using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platewatch.Agent.Configuration;

// The file's shape, every field optional so that a missing one can be named in the error rather than failing deserialization.
#pragma warning disable CA1056, CA2227 // plain JSON data holders
internal sealed class AgentConfigFile
{
    public string? DataDirectory { get; set; }
    public string? AgencyId { get; set; }
    public ServerSection? Server { get; set; }
    public QueueSection? Queue { get; set; }
    public double? HeartbeatSeconds { get; set; }
    public RecognitionSection? Recognition { get; set; }
    public TrackingSection? Tracking { get; set; }
    public List<SourceSection?>? Sources { get; set; }
}

internal sealed class ServerSection
{
    public string? Url { get; set; }
    public int? BatchSize { get; set; }
    public double? TimeoutSeconds { get; set; }
    public double? MaxRetrySeconds { get; set; }
}

internal sealed class QueueSection
{
    public double? MaxMegabytes { get; set; }
}

internal sealed class RecognitionSection
{
    public string? Models { get; set; }
    public List<string>? Regions { get; set; }
    public int? Threads { get; set; }
}

internal sealed class TrackingSection
{
    public double? GapSeconds { get; set; }
    public double? ParkedSeconds { get; set; }
    public int? MinFrames { get; set; }
    public double? MinConfidence { get; set; }
    public bool? PerFrameReads { get; set; }
}

internal sealed class SourceSection
{
    public string? Name { get; set; }
    public string? Type { get; set; }
    public string? Path { get; set; }
    public string? Url { get; set; }
    public string? CameraId { get; set; }
    public string? ApiKey { get; set; }
    public string? ApiKeyFile { get; set; }
    public double? SampleFps { get; set; }
    public double? MotionThreshold { get; set; }
    public double? IdleKeepaliveSeconds { get; set; }
    public DateTimeOffset? StartTime { get; set; }
    public string? After { get; set; }
    public string? ArchiveDirectory { get; set; }
    public double? PollSeconds { get; set; }
    public PositionSection? Position { get; set; }
}

internal sealed class PositionSection
{
    public double? Lat { get; set; }
    public double? Lon { get; set; }
    public double? Heading { get; set; }
    public double? Accuracy { get; set; }
    public string? Gpx { get; set; }
    public string? Nmea { get; set; }
    public bool? Follow { get; set; }
    public int? NmeaUdpPort { get; set; }
    public double? MaxGapSeconds { get; set; }
    public double? MaxFixAgeSeconds { get; set; }
}
#pragma warning restore CA1056, CA2227

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(AgentConfigFile))]
internal sealed partial class AgentConfigJsonContext : JsonSerializerContext;
