using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platewatch.Rendering;

namespace Platewatch.Server.Tests;

/// <summary>POST /api/v1/recognize with the real recognizer and models (installed by scripts/setup.sh).</summary>
public sealed class RecognizeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static MultipartFormDataContent Photo(byte[] image, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(image), "image", "photo.jpg" } };
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    [Fact]
    public async Task A_photo_is_read_stored_with_its_context_image_and_a_resend_is_a_duplicate()
    {
        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyA);
        byte[] photo = PlateRenderer.CreateDefault().RenderEncoded(new PlateSpec { Text = "5XYZ789", TopText = "CALIFORNIA", Width = 190, JpegQuality = 90, Seed = 3 });
        string at = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

        using var first = Photo(photo, ("capturedAt", at), ("region", "us"));
        var response = await camera.PostAsync("/api/v1/recognize", first, Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        var r = JsonDocument.Parse(body).RootElement;
        Assert.Equal("5XYZ789", r.GetProperty("recognition").GetProperty("results")[0].GetProperty("plate").GetString());
        Assert.Equal(1, r.GetProperty("ingest").GetProperty("stored").GetInt32());

        using var again = Photo(photo, ("capturedAt", at), ("region", "us"));
        var second = JsonDocument.Parse(await (await camera.PostAsync("/api/v1/recognize", again, Ct)).Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(1, second.GetProperty("ingest").GetProperty("duplicates").GetInt32());

        using var investigator = await server.SignInAsync(RunningServer.AgencyA, "investigator");
        var found = await investigator.GetFromJsonAsync<JsonElement>("/api/v1/reads?plate=5XYZ789&purpose=stolen-vehicle&caseNumber=24-3", Ct);
        var read = found.GetProperty("reads")[0];
        Assert.Equal(RunningServer.CameraALat, read.GetProperty("location").GetProperty("lat").GetDouble(), 5);
        string id = read.GetProperty("id").GetString()!;
        var image = await investigator.GetAsync($"/api/v1/reads/{id}/images/context?purpose=stolen-vehicle&caseNumber=24-3", Ct);
        Assert.Equal(photo, await image.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Bad_photos_and_missing_positions_get_problem_details()
    {
        await using var server = await RunningServer.StartAsync();
        using var cameraWithoutPosition = server.Client(server.CameraKeyB);
        byte[] photo = PlateRenderer.CreateDefault().RenderEncoded(new PlateSpec { Text = "ABC1234", Seed = 1 });
        using var noPosition = Photo(photo);
        var r1 = await cameraWithoutPosition.PostAsync("/api/v1/recognize", noPosition, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, r1.StatusCode);
        Assert.Contains("--position", await r1.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var garbage = Photo("not an image at all"u8.ToArray(), ("lat", "1"), ("lon", "2"));
        var r2 = await cameraWithoutPosition.PostAsync("/api/v1/recognize", garbage, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, r2.StatusCode);
        Assert.Equal("application/problem+json", r2.Content.Headers.ContentType!.MediaType);

        using var investigator = await server.SignInAsync(RunningServer.AgencyA, "investigator");
        using var notACamera = Photo(photo, ("lat", "1"), ("lon", "2"));
        Assert.Equal(HttpStatusCode.Forbidden, (await investigator.PostAsync("/api/v1/recognize", notACamera, Ct)).StatusCode);
    }

    [Fact]
    public async Task Without_models_the_answer_is_503_naming_the_fix()
    {
        await using var server = await RunningServer.StartAsync("--Recognition:ModelsDirectory=/nonexistent/models");
        using var camera = server.Client(server.CameraKeyA);
        byte[] photo = PlateRenderer.CreateDefault().RenderEncoded(new PlateSpec { Text = "ABC1234", Seed = 1 });
        using var form = Photo(photo);
        var response = await camera.PostAsync("/api/v1/recognize", form, Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
