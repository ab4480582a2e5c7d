using Platewatch.Agent.Configuration;

namespace Platewatch.Agent.Tests;

public sealed class ConfigTests
{
    private const string Good = """
        {
          // comments are allowed
          "agencyId": "pd",
          "server": { "url": "http://127.0.0.1:5080" },
          "sources": [
            { "name": "lane1", "type": "video", "path": "v.mp4", "cameraId": "cam1", "apiKey": "pwc_x", "position": { "lat": 47.6, "lon": -122.3, "heading": 90 } },
            { "name": "car", "type": "stream", "url": "rtsp://user:pw@10.0.0.2/stream", "cameraId": "cam2", "apiKey": "pwc_y", "position": { "nmeaUdpPort": 10110 } },
          ]
        }
        """;

    [Fact]
    public void A_good_file_gives_options_with_paths_resolved_against_it()
    {
        var o = AgentConfig.Parse(Good, "/etc/platewatch/agent.json");
        Assert.Equal(2, o.Sources.Length);
        Assert.Equal("/etc/platewatch/v.mp4", o.Sources[0].Location);
        Assert.Equal(SourceKind.Stream, o.Sources[1].Kind);
        Assert.Equal(10110, o.Sources[1].Position.NmeaUdpPort);
        Assert.Equal("/etc/platewatch/agent-data", o.DataDirectory);
        Assert.Equal(TimeSpan.FromMinutes(1), o.Heartbeat);
    }

    [Theory]
    [InlineData("\"agencyId\": \"pd\",", "", "agencyId is missing")]
    [InlineData("\"cameraId\": \"cam1\", ", "", "sources[0].cameraId is missing")]
    [InlineData("\"type\": \"video\"", "\"type\": \"vidoe\"", "sources[0].type 'vidoe' is not a source type")]
    [InlineData("\"lat\": 47.6", "\"lat\": 147.6", "sources[0].position.lat must be a latitude")]
    [InlineData("\"url\": \"http://127.0.0.1:5080\"", "\"url\": \"ftp://x\"", "server.url 'ftp://x' is not an http:// or https:// URL")]
    [InlineData("\"name\": \"car\"", "\"name\": \"lane1\"", "'lane1' is used twice")]
    [InlineData("{ \"nmeaUdpPort\": 10110 }", "{ \"nmeaUdpPort\": 10110, \"lat\": 1, \"lon\": 2 }", "exactly one of")]
    [InlineData("\"apiKey\": \"pwc_y\", ", "", "sources[1].apiKey is missing")]
    public void Errors_name_the_field_and_the_fix(string find, string replace, string expected)
    {
        string json = Good.Replace(find, replace, StringComparison.Ordinal);
        var ex = Assert.Throws<AgentConfigException>(() => AgentConfig.Parse(json, "agent.json"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("agent.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_fields_and_bad_json_name_the_line()
    {
        var ex = Assert.Throws<AgentConfigException>(() => AgentConfig.Parse(Good.Replace("\"heading\": 90", "\"headng\": 90", StringComparison.Ordinal), "agent.json"));

        Assert.Contains("agent.json:6:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sources[0].position.headng", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unknown field", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<AgentConfigException>(() => AgentConfig.Parse("{\n\"agencyId\": \"pd\"\n\"server\": {}}", "agent.json"));
        Assert.Contains("agent.json:3:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stream_urls_are_logged_without_the_password()
    {
        Assert.Equal("rtsp://user:***@10.0.0.2/stream", Sources.VideoSource.Redact("rtsp://user:pw@10.0.0.2/stream"));
    }
}
