using System.Collections.Immutable;
using Platewatch.Agent.Tracking;

namespace Platewatch.Agent.Configuration;

internal enum SourceKind
{
    Folder,
    Video,
    Stream,
}

internal enum AfterProcessing
{
    Archive,
    Delete,
}

/// <summary>Where a source's camera is: fixed, or from a GPS track or receiver.</summary>
internal sealed record PositionOptions
{
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }
    public double? Heading { get; init; }
    public double AccuracyMeters { get; init; } = 5;
    public string? GpxFile { get; init; }
    public string? NmeaFile { get; init; }
    public bool FollowNmea { get; init; }
    public int? NmeaUdpPort { get; init; }
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxFixAge { get; init; } = TimeSpan.FromSeconds(2);

    public bool IsFixed => Latitude is not null;
}

internal sealed record SourceOptions
{
    public required string Name { get; init; }
    public required SourceKind Kind { get; init; }

    /// <summary>A folder (folder watch), a video file, or a stream URL.</summary>
    public required string Location { get; init; }
    public required string CameraId { get; init; }
    public required string ApiKey { get; init; }
    public double SampleFps { get; init; } = 10;

    /// <summary>Mean grey-level change (0-255) below which a frame counts as idle and is skipped.</summary>
    public double MotionThreshold { get; init; } = 1.5;
    public TimeSpan IdleKeepalive { get; init; } = TimeSpan.FromSeconds(2);
    public DateTimeOffset? StartTime { get; init; }
    public AfterProcessing After { get; init; } = AfterProcessing.Archive;
    public string? ArchiveDirectory { get; init; }
    public TimeSpan Poll { get; init; } = TimeSpan.FromSeconds(1);
    public required PositionOptions Position { get; init; }
}

/// <summary>A validated agent configuration.</summary>
internal sealed record AgentOptions
{
    public required string DataDirectory { get; init; }
    public required string AgencyId { get; init; }
    public required Uri ServerUrl { get; init; }
    public int BatchSize { get; init; } = 100;
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);
    public long QueueMaxBytes { get; init; } = 512L << 20;
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromMinutes(1);
    public string? ModelsDirectory { get; init; }
    public ImmutableArray<string> Regions { get; init; } = [];
    public int RecognitionThreads { get; init; } = Math.Min(2, Environment.ProcessorCount);
    public TrackerOptions Tracking { get; init; } = new();
    public bool PerFrameReads { get; init; }
    public required ImmutableArray<SourceOptions> Sources { get; init; }
}
