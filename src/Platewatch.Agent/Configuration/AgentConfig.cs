using System.Collections.Immutable;
using System.Text.Json;
using Platewatch.Agent.Tracking;

namespace Platewatch.Agent.Configuration;

/// <summary>A configuration the agent cannot start with. The message names the file, the field and the fix, in one line.</summary>
public sealed class AgentConfigException : Exception
{
    public AgentConfigException(string message) : base(message) { }
    public AgentConfigException(string message, Exception inner) : base(message, inner) { }
    public AgentConfigException() { }
}

/// <summary>Reads and checks the agent's JSON configuration file. Relative paths in it are relative to the file.</summary>
internal static class AgentConfig
{
    private const int MaxSources = 64;

    public static AgentOptions Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new AgentConfigException($"{path}: no such configuration file; pass --config with the path of the agent's JSON file.");
        string json = File.ReadAllText(path);
        return Parse(json, path);
    }

    public static AgentOptions Parse(string json, string path)
    {
        AgentConfigFile? file;
        try
        {
            file = JsonSerializer.Deserialize(json, AgentConfigJsonContext.Default.AgentConfigFile);
        }
        catch (JsonException ex)
        {
            string where = ex.LineNumber is { } l ? $"{path}:{l + 1}" : path;
            string field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" at {ex.Path.TrimStart('$', '.')}";
            string why = ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown field; check its spelling against docs/architecture.md (Edge agent)" : FirstSentence(ex.Message);
            throw new AgentConfigException($"{where}: {why}{field}.", ex);
        }
        if (file is null) throw new AgentConfigException($"{path}: the file is empty; it must be a JSON object with server, agencyId and sources.");
        string baseDir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        string Resolve(string p) => Path.GetFullPath(p, baseDir);
        AgentConfigException Error(string field, string fix) => new($"{path}: {field} {fix}");

        if (string.IsNullOrWhiteSpace(file.AgencyId)) throw Error("agencyId", "is missing: set it to the agency the camera keys were created in (platewatch admin create-camera-key --agency ID).");
        if (file.Server?.Url is not { Length: > 0 } url) throw Error("server.url", "is missing: set it to the Platewatch server, e.g. \"https://platewatch.example:5080\".");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var serverUrl) || serverUrl.Scheme is not ("http" or "https"))
            throw Error("server.url", $"'{url}' is not an http:// or https:// URL.");
        if (file.Sources is not { Count: > 0 } sources) throw Error("sources", "is missing or empty: list at least one source ({\"type\":\"video\"|\"stream\"|\"folder\", ...}).");
        if (sources.Count > MaxSources) throw Error("sources", $"has {sources.Count} entries; one agent serves at most {MaxSources}.");

        var tracking = new TrackerOptions
        {
            Gap = Seconds(file.Tracking?.GapSeconds, "tracking.gapSeconds", 1.5, 0.1, 600),
            Parked = Seconds(file.Tracking?.ParkedSeconds, "tracking.parkedSeconds", 60, 1, 86_400),
            MinFrames = (int)Range(file.Tracking?.MinFrames, "tracking.minFrames", 2, 1, 1000),
            MinConfidence = Range(file.Tracking?.MinConfidence, "tracking.minConfidence", 0.5, 0, 1),
        };
        var built = ImmutableArray.CreateBuilder<SourceOptions>(sources.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sources.Count; i++)
        {
            var s = sources[i] ?? throw Error($"sources[{i}]", "is null: each source is an object.");
            string at = $"sources[{i}]";
            var kind = s.Type?.ToUpperInvariant() switch
            {
                "FOLDER" => SourceKind.Folder,
                "VIDEO" => SourceKind.Video,
                "STREAM" => SourceKind.Stream,
                null => throw Error($"{at}.type", "is missing: set it to \"video\" (a file), \"stream\" (rtsp:// or http:// URL) or \"folder\" (watch for JPEGs)."),
                _ => throw Error($"{at}.type", $"'{s.Type}' is not a source type: use \"video\", \"stream\" or \"folder\"."),
            };
            string name = s.Name is { Length: > 0 } n ? n : $"source{i + 1}";
            if (name.Length > 64 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                throw Error($"{at}.name", $"'{name}' must be 1-64 letters, digits, '-', '_' or '.'.");
            if (!names.Add(name)) throw Error($"{at}.name", $"'{name}' is used twice; every source needs its own name (it keys the agent's progress).");
            string location = kind switch
            {
                SourceKind.Stream => s.Url is { Length: > 0 } u && Uri.TryCreate(u, UriKind.Absolute, out var su) && su.Scheme is "rtsp" or "rtsps" or "http" or "https" or "rtmp" or "udp" or "tcp" or "srt"
                    ? u : throw Error($"{at}.url", $"{(s.Url is null ? "is missing" : $"'{s.Url}' is not a stream URL")}: set it to the camera's rtsp:// or http:// URL."),
                SourceKind.Video => s.Path is { Length: > 0 } vp ? Resolve(vp) : throw Error($"{at}.path", "is missing: set it to the video file to read."),
                _ => s.Path is { Length: > 0 } fp ? Resolve(fp) : throw Error($"{at}.path", "is missing: set it to the folder the camera drops its JPEGs into."),
            };
            if (kind == SourceKind.Folder && !Directory.Exists(location)) throw Error($"{at}.path", $"'{location}' is not a folder; create it or fix the path.");
            if (string.IsNullOrWhiteSpace(s.CameraId)) throw Error($"{at}.cameraId", "is missing: set it to the camera the API key was created for (platewatch admin create-camera-key --camera ID).");
            string apiKey = s.ApiKey is { Length: > 0 } k ? k
                : s.ApiKeyFile is { Length: > 0 } kf ? ReadKey(Resolve(kf), $"{path}: {at}.apiKeyFile")
                : throw Error($"{at}.apiKey", "is missing: set apiKey (or apiKeyFile) to the key printed by platewatch admin create-camera-key.");
            var after = s.After?.ToUpperInvariant() switch
            {
                null or "ARCHIVE" => AfterProcessing.Archive,
                "DELETE" => AfterProcessing.Delete,
                _ => throw Error($"{at}.after", $"'{s.After}' must be \"archive\" or \"delete\"."),
            };
            built.Add(new SourceOptions
            {
                Name = name,
                Kind = kind,
                Location = location,
                CameraId = s.CameraId,
                ApiKey = apiKey.Trim(),
                SampleFps = Range(s.SampleFps, $"{at}.sampleFps", 10, 0.1, 120),
                MotionThreshold = Range(s.MotionThreshold, $"{at}.motionThreshold", 1.5, 0, 255),
                IdleKeepalive = Seconds(s.IdleKeepaliveSeconds, $"{at}.idleKeepaliveSeconds", 2, 0.1, 3600),
                StartTime = s.StartTime,
                After = after,
                ArchiveDirectory = kind != SourceKind.Folder ? null : s.ArchiveDirectory is { Length: > 0 } ad ? Resolve(ad) : Path.Combine(location, "processed"),
                Poll = Seconds(s.PollSeconds, $"{at}.pollSeconds", 1, 0.05, 3600),
                Position = Position(s.Position, $"{at}.position", Resolve, Error),
            });
        }
        string data = file.DataDirectory is { Length: > 0 } dd ? Resolve(dd) : Resolve("agent-data");
        return new AgentOptions
        {
            DataDirectory = data,
            AgencyId = file.AgencyId,
            ServerUrl = serverUrl,
            BatchSize = (int)Range(file.Server.BatchSize, "server.batchSize", 100, 1, 1000),
            HttpTimeout = Seconds(file.Server.TimeoutSeconds, "server.timeoutSeconds", 30, 1, 600),
            MaxRetryDelay = Seconds(file.Server.MaxRetrySeconds, "server.maxRetrySeconds", 60, 0.1, 3600),
            QueueMaxBytes = (long)(Range(file.Queue?.MaxMegabytes, "queue.maxMegabytes", 512, 0.01, 1_000_000) * 1024 * 1024),
            Heartbeat = Seconds(file.HeartbeatSeconds, "heartbeatSeconds", 60, 1, 86_400),
            ModelsDirectory = file.Recognition?.Models is { Length: > 0 } m ? Resolve(m) : null,
            Regions = [.. file.Recognition?.Regions ?? []],
            RecognitionThreads = (int)Range(file.Recognition?.Threads, "recognition.threads", Math.Min(2, Environment.ProcessorCount), 1, 64),
            Tracking = tracking,
            PerFrameReads = file.Tracking?.PerFrameReads ?? false,
            Sources = built.MoveToImmutable(),
        };

        double Range(double? v, string field, double fallback, double min, double max) =>
            v is null ? fallback : v >= min && v <= max ? v.Value : throw Error(field, $"is {v}; it must be between {min} and {max}.");

        TimeSpan Seconds(double? v, string field, double fallback, double min, double max) => TimeSpan.FromSeconds(Range(v, field, fallback, min, max));
    }

    private static PositionOptions Position(PositionSection? p, string at, Func<string, string> resolve, Func<string, string, AgentConfigException> error)
    {
        if (p is null) throw error(at, "is missing: give the fixed camera's {\"lat\":..,\"lon\":..,\"heading\":..}, or a GPS source {\"gpx\":FILE} / {\"nmea\":FILE-OR-DEVICE} / {\"nmeaUdpPort\":PORT}.");
        int kinds = (p.Lat is not null || p.Lon is not null ? 1 : 0) + (p.Gpx is not null ? 1 : 0) + (p.Nmea is not null ? 1 : 0) + (p.NmeaUdpPort is not null ? 1 : 0);
        if (kinds != 1) throw error(at, "must have exactly one of lat/lon (fixed camera), gpx, nmea or nmeaUdpPort.");
        if (p.Lat is not null || p.Lon is not null)
        {
            if (p.Lat is not (>= -90 and <= 90)) throw error($"{at}.lat", "must be a latitude in degrees (-90 to 90).");
            if (p.Lon is not (>= -180 and <= 180)) throw error($"{at}.lon", "must be a longitude in degrees (-180 to 180).");
        }
        if (p.Heading is not null and not (>= 0 and < 360)) throw error($"{at}.heading", "must be degrees clockwise from north, 0 to 359.");
        if (p.Gpx is not null && !File.Exists(resolve(p.Gpx))) throw error($"{at}.gpx", $"'{resolve(p.Gpx)}' does not exist.");
        if (p.NmeaUdpPort is not null and not (> 0 and < 65536)) throw error($"{at}.nmeaUdpPort", "must be a UDP port, 1 to 65535.");
        return new PositionOptions
        {
            Latitude = p.Lat,
            Longitude = p.Lon,
            Heading = p.Heading,
            AccuracyMeters = p.Accuracy is >= 0 ? p.Accuracy.Value : 5,
            GpxFile = p.Gpx is null ? null : resolve(p.Gpx),
            NmeaFile = p.Nmea is null ? null : resolve(p.Nmea),
            FollowNmea = p.Follow ?? (p.Nmea?.StartsWith("/dev/", StringComparison.Ordinal) ?? false),
            NmeaUdpPort = p.NmeaUdpPort,
            MaxGap = TimeSpan.FromSeconds(p.MaxGapSeconds is > 0 and <= 3600 ? p.MaxGapSeconds.Value : 5),
            MaxFixAge = TimeSpan.FromSeconds(p.MaxFixAgeSeconds is > 0 and <= 3600 ? p.MaxFixAgeSeconds.Value : 2),
        };
    }

    private static string ReadKey(string file, string field)
    {
        try
        {
            string k = File.ReadAllText(file).Trim();
            return k.Length > 0 ? k : throw new AgentConfigException($"{field}: '{file}' is empty; put the camera key in it.");
        }
        catch (IOException ex)
        {
            throw new AgentConfigException($"{field}: cannot read '{file}': {ex.Message}", ex);
        }
    }

    private static string FirstSentence(string s)
    {
        int i = s.IndexOf(". ", StringComparison.Ordinal);
        return (i > 0 ? s[..i] : s).TrimEnd('.');
    }
}
