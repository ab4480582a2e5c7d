using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Platewatch.Server.Tests;

public sealed class IngestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Statuses(JsonElement response) =>
        [.. response.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()!)];

    private static string Reason(JsonElement response, int index) =>
        response.GetProperty("results")[index].GetProperty("reason").GetString()!;

    [Fact]
    public async Task Each_item_is_stored_duplicate_or_rejected_with_its_reason()
    {
        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyA);
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        var first = Reads.Read("ABC1234", now);
        var r = await Reads.PostAsync(camera,
            first,
            first,
            Reads.Read("ABC1235", now, camera: RunningServer.CameraA, agency: RunningServer.AgencyA),
            new { id = "not-a-uuid", plate = "X1" },
            Reads.Read("ABC1236", now, camera: "someone-elses-camera"),
            Reads.Read("ABC1237", now, agency: RunningServer.AgencyB),
            Reads.Read("!!", now),
            Reads.Read("ABC1238", now.AddDays(3)),
            new { id = Guid.CreateVersion7().ToString(), plate = "ABC1239", surprise = 1 },
            42);
        Assert.Equal(["stored", "duplicate", "stored", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected"], Statuses(r));
        Assert.Equal((2, 1, 7), (r.GetProperty("stored").GetInt32(), r.GetProperty("duplicates").GetInt32(), r.GetProperty("rejected").GetInt32()));
        Assert.Contains("UUID", Reason(r, 3), StringComparison.Ordinal);
        Assert.Contains("camera this API key", Reason(r, 4), StringComparison.Ordinal);
        Assert.Contains("agency this API key", Reason(r, 5), StringComparison.Ordinal);
        Assert.Contains("plate", Reason(r, 6), StringComparison.Ordinal);
        Assert.Contains("future", Reason(r, 7), StringComparison.Ordinal);
        Assert.Contains("surprise", Reason(r, 8), StringComparison.Ordinal);
        Assert.Contains("object", Reason(r, 9), StringComparison.Ordinal);

        // Idempotent: sending the same read again stores nothing new.
        var again = await Reads.PostAsync(camera, first);
        Assert.Equal(["duplicate"], Statuses(again));

        // Reads are stored under the key's camera and agency.
        using var investigator = await server.SignInAsync(RunningServer.AgencyA, "investigator");
        var found = await investigator.GetFromJsonAsync<JsonElement>("/api/v1/reads?plate=ABC123*&purpose=stolen-vehicle&caseNumber=24-1", Ct);
        Assert.Equal(2, found.GetProperty("count").GetInt32());
        Assert.All(found.GetProperty("reads").EnumerateArray(), x =>
        {
            Assert.Equal(RunningServer.CameraA, x.GetProperty("cameraId").GetString());
            Assert.Equal(RunningServer.AgencyA, x.GetProperty("agencyId").GetString());
        });
    }

    [Fact]
    public async Task The_reads_object_form_is_accepted()
    {
        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyA);
        var response = await camera.PostAsJsonAsync("/api/v1/reads", new { reads = new[] { Reads.Read("OBJ1", DateTimeOffset.UtcNow) } }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("stored").GetInt32());
    }

    [Fact]
    public async Task A_body_that_is_not_a_batch_gets_400_problem_details()
    {
        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyA);
        foreach (string body in new[] { "{not json", "{\"x\":1}", "\"text\"" })
        {
            var response = await camera.PostAsync("/api/v1/reads", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Too_many_reads_or_too_many_bytes_get_413()
    {
        await using var server = await RunningServer.StartAsync("--Limits:MaxBatch=3", "--Limits:MaxBodyBytes=20000");
        using var camera = server.Client(server.CameraKeyA);
        var now = DateTimeOffset.UtcNow;
        var batch = await camera.PostAsJsonAsync("/api/v1/reads", Enumerable.Range(0, 4).Select(i => Reads.Read($"BIG{i}", now)).ToArray(), Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, batch.StatusCode);
        Assert.Equal("application/problem+json", batch.Content.Headers.ContentType?.MediaType);

        string huge = "[" + new string(' ', 30_000) + "]";
        // Expect: 100-continue lets the server refuse before the client sends a body it will not read.
        using var sized = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reads") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        sized.Headers.ExpectContinue = true;
        var bytes = await camera.SendAsync(sized, Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bytes.StatusCode);
        Assert.Equal("application/problem+json", bytes.Content.Headers.ContentType?.MediaType);

        // Without a Content-Length the cap still holds while the body streams in.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reads") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        var streamed = await camera.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal("application/problem+json", streamed.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Acknowledged_reads_survive_a_restart()
    {
        string dir;
        var id = Guid.CreateVersion7();
        await using (var server = await RunningServer.StartAsync())
        {
            using var camera = server.Client(server.CameraKeyA);
            await Reads.PostAsync(camera, Reads.Read("KEPT1", DateTimeOffset.UtcNow, id: id));
            dir = server.Directory;
            await server.StopAsync();
            await using var store = Platewatch.Storage.DuckDb.DuckDbReadStore.Open(Path.Combine(dir, "store"));
            var stats = await store.GetStatsAsync(Ct);
            Assert.Equal(1, stats.Reads);
        }
    }
}
