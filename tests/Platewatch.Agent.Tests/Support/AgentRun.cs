using System.Text.Json;

namespace Platewatch.Agent.Tests.Support;

/// <summary>A scratch directory with an agent configuration in it.</summary>
internal sealed class AgentWorkspace : IDisposable
{
    public AgentWorkspace()
    {
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "pw-agent-" + Guid.NewGuid().ToString("N"));

    public string PathOf(string name) => Path.Combine(Dir, name);

    public string DataDir => PathOf("agent-data");

    /// <summary>Writes agent.json with the given sources; returns its path.</summary>
    public string WriteConfig(Uri server, IEnumerable<object> sources, object? tracking = null, double heartbeatSeconds = 60, double maxRetrySeconds = 1)
    {
        var config = new Dictionary<string, object?>
        {
            ["dataDirectory"] = DataDir,
            ["agencyId"] = ServerProcess.Agency,
            ["server"] = new { url = server.ToString(), batchSize = 10, timeoutSeconds = 5, maxRetrySeconds },
            ["heartbeatSeconds"] = heartbeatSeconds,
            ["recognition"] = new { regions = new[] { "us" }, threads = 2 },
            ["tracking"] = tracking ?? new { gapSeconds = 0.8, minFrames = 2 },
            ["sources"] = sources.ToList(),
        };
        string path = PathOf("agent.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }

    public static object VideoSource(string name, string path, string camera, string key, double sampleFps = 5) => new
    {
        name,
        type = "video",
        path,
        cameraId = camera,
        apiKey = key,
        sampleFps,
        position = new { lat = 47.6062, lon = -122.3321, heading = 90 },
    };

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
