using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Platewatch.Server.Tests;

/// <summary>The third-party ingest formats, images (inline, multipart, by hash) and the audited image route.</summary>
public sealed class FormatAndImageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A PNG header of the given size: the server checks images from their headers, before storing them.</summary>
    internal static byte[] Png(int width, int height, byte salt = 0)
    {
        var b = new byte[8 + 25 + 12 + 1];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(b, 0);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), 13);
        "IHDR"u8.ToArray().CopyTo(b, 12);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(20), height);
        b[24] = 8;
        b[25] = 2;
        b[^1] = salt;
        return b;
    }

    private static async Task<JsonElement> PostJsonAsync(HttpClient client, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        var response = await client.PostAsync(path, content, Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static string[] Statuses(JsonElement r) => [.. r.GetProperty("results").EnumerateArray().Select(x => x.GetProperty("status").GetString()!)];

    /// <summary>Compares the statuses, showing the whole response (reasons included) when they differ.</summary>
    private static void AssertStatuses(string[] expected, JsonElement r) =>
        Assert.True(expected.SequenceEqual(Statuses(r)), r.GetRawText());


    private static async Task<JsonElement> FindAsync(HttpClient investigator, string plate) =>
        await investigator.GetFromJsonAsync<JsonElement>($"/api/v1/reads?plate={plate}&purpose=stolen-vehicle&caseNumber=24-9", Ct);

    [Fact]
    public async Task OpenAlpr_groups_and_results_are_stored_with_converted_fields_and_resends_are_duplicates()
    {
        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyA);
        long epoch = DateTimeOffset.UtcNow.AddMinutes(-3).ToUnixTimeMilliseconds();
        string crop = Convert.ToBase64String(Png(120, 40));
        string group = $$$"""
            {"data_type":"alpr_group","version":2,"epoch_start":{{{epoch}}},"epoch_end":{{{epoch + 900}}},"agent_uid":"agent-1","camera_id":123,
             "country":"us","best_plate_number":"7ABC123","best_confidence":91.5,"best_region":"ca","best_uuid":"agent-1-cam-123-{{{epoch}}}",
             "gps_latitude":34.05,"gps_longitude":-118.25,"travel_direction":270.0,
             "best_plate":{"plate":"7ABC123","confidence":91.5,"plate_crop_jpeg":"{{{crop}}}",
               "candidates":[{"plate":"7ABC123","confidence":91.5,"matches_template":1},{"plate":"7A8C123","confidence":80.1,"matches_template":1}]},
             "vehicle":{"color":[{"name":"silver","confidence":80}],"make":[{"name":"toyota","confidence":70}],"body_type":[{"name":"sedan","confidence":90}]}}
            """;
        string results = $$"""
            {"data_type":"alpr_results","version":2,"epoch_time":{{epoch}},"uuid":"agent-1-cam-123-{{epoch}}-f","country":"us",
             "results":[{"plate":"8XYZ987","confidence":88.0,"region":"wa","candidates":[]},{"plate":"9QQQ111","confidence":70.0,"region":"wa"},{"confidence":50}]}
            """;
        var r = await PostJsonAsync(camera, "/api/v1/ingest/openalpr", $"[{group},{results},{{\"data_type\":\"heartbeat\"}}]");
        AssertStatuses(["stored", "stored", "stored", "rejected", "rejected"], r);

        var again = await PostJsonAsync(camera, "/api/v1/ingest/openalpr", group);
        AssertStatuses(["duplicate"], again);

        using var investigator = await server.SignInAsync(RunningServer.AgencyA, "investigator");
        var found = (await FindAsync(investigator, "7ABC123")).GetProperty("reads")[0];
        Assert.Equal("US-CA", found.GetProperty("region").GetString());
        Assert.Equal(0.915, found.GetProperty("confidence").GetDouble(), 3);
        Assert.Equal(34.05, found.GetProperty("location").GetProperty("lat").GetDouble(), 5);
        Assert.Equal("silver", found.GetProperty("vehicle").GetProperty("colour").GetString());
        Assert.Equal(2, found.GetProperty("candidates").GetArrayLength());
        Assert.Equal(64, found.GetProperty("images").GetProperty("plateCrop").GetString()!.Length);
        // alpr_results carry no GPS: the camera key's configured position stands in.
        var fromFrame = (await FindAsync(investigator, "8XYZ987")).GetProperty("reads")[0];
        Assert.Equal(RunningServer.CameraALat, fromFrame.GetProperty("location").GetProperty("lat").GetDouble(), 5);
        Assert.Equal("US-WA", fromFrame.GetProperty("region").GetString());
    }

    [Fact]
    public async Task OpenAlpr_results_without_gps_from_a_camera_without_a_position_are_rejected_with_the_fix()
    {
        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyB);
        long epoch = DateTimeOffset.UtcNow.AddMinutes(-3).ToUnixTimeMilliseconds();
        var r = await PostJsonAsync(camera, "/api/v1/ingest/openalpr",
            $$"""{"data_type":"alpr_results","epoch_time":{{epoch}},"results":[{"plate":"ABC123","confidence":90}]}""");
        AssertStatuses(["rejected"], r);
        Assert.Contains("--position", r.GetProperty("results")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plate_recognizer_webhook_as_json_and_as_multipart_with_the_image()
    {
        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyA);
        string stamp = DateTimeOffset.UtcNow.AddMinutes(-2).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        string Hook(string plate) => $$$"""
            {"hook":{"target":"http://x","id":"cam","event":"recognition"},
             "data":{"camera_id":"cam","timestamp":"{{{stamp}}}","results":[
               {"plate":"{{{plate}}}","score":0.901,"dscore":0.8,"box":{"xmin":1,"ymin":2,"xmax":3,"ymax":4},
                "region":{"code":"us-tx","score":0.7},"vehicle":{"type":"Sedan","score":0.9},
                "candidates":[{"plate":"{{{plate}}}","score":0.901},{"plate":"{{{plate}}}x","score":0.5}],
                "color":[{"color":"black","score":0.8}],"model_make":[{"make":"Ford","model":"F-150","score":0.6}]},
               {"plate":"nope"}]}}
            """;
        var plain = await PostJsonAsync(camera, "/api/v1/ingest/platerecognizer", Hook("abc1234"));
        AssertStatuses(["stored", "rejected"], plain);

        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(Hook("xyz9876")), "json");
        var image = new ByteArrayContent(Png(1280, 720));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "upload", "frame.png");
        var response = await camera.PostAsync("/api/v1/ingest/platerecognizer", form, Ct);
        var multi = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        AssertStatuses(["stored", "rejected"], multi);

        using var investigator = await server.SignInAsync(RunningServer.AgencyA, "investigator");
        var read = (await FindAsync(investigator, "XYZ9876")).GetProperty("reads")[0];
        Assert.Equal("US-TX", read.GetProperty("region").GetString());
        Assert.Equal("Sedan", read.GetProperty("vehicle").GetProperty("type").GetString());
        Assert.Equal("Ford", read.GetProperty("vehicle").GetProperty("make").GetString());
        Assert.Equal(64, read.GetProperty("images").GetProperty("context").GetString()!.Length);
    }

    [Fact]
    public async Task Images_inline_and_multipart_are_stored_by_hash_and_bad_images_reject_only_their_read()
    {
        await using var server = await RunningServer.StartAsync("--Limits:MaxImagePixels=2000000");
        using var camera = server.Client(server.CameraKeyA);
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        var inline = Reads.Read("IMG001", at);
        inline["images"] = new Dictionary<string, string> { ["plateCropBase64"] = Convert.ToBase64String(Png(100, 30, 1)) };
        var huge = Reads.Read("IMG002", at);
        huge["images"] = new Dictionary<string, string> { ["contextBase64"] = Convert.ToBase64String(Png(60000, 60000)) };
        var notImage = Reads.Read("IMG003", at);
        notImage["images"] = new Dictionary<string, string> { ["plateCropBase64"] = Convert.ToBase64String("hello"u8.ToArray()) };
        var unknownHash = Reads.Read("IMG004", at);
        unknownHash["images"] = new Dictionary<string, string> { ["plateCrop"] = new string('a', 64) };
        var byPart = Reads.Read("IMG005", at);
        byPart["images"] = new Dictionary<string, string> { ["plateCrop"] = "crop5", ["context"] = "scene.png" };

        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(JsonSerializer.Serialize(new object[] { inline, huge, notImage, unknownHash, byPart })), "reads");
        form.Add(new ByteArrayContent(Png(90, 30, 5)), "crop5", "c5.png");
        form.Add(new ByteArrayContent(Png(1280, 720, 6)), "ctx", "scene.png");
        var response = await camera.PostAsync("/api/v1/reads", form, Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        var r = JsonDocument.Parse(body).RootElement;
        AssertStatuses(["stored", "rejected", "rejected", "rejected", "stored"], r);
        string Reason(int i) => r.GetProperty("results")[i].GetProperty("reason").GetString()!;
        Assert.Contains("pixels", Reason(1), StringComparison.Ordinal);
        Assert.Contains("not a JPEG, PNG or WebP", Reason(2), StringComparison.Ordinal);
        Assert.Contains("does not have", Reason(3), StringComparison.Ordinal);

        // The stored file is named by the hash of its bytes.
        using var investigator = await server.SignInAsync(RunningServer.AgencyA, "investigator");
        string sha = (await FindAsync(investigator, "IMG001")).GetProperty("reads")[0].GetProperty("images").GetProperty("plateCrop").GetString()!;
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Png(100, 30, 1))), sha);
        Assert.True(File.Exists(Path.Combine(server.Directory, "images", sha[..2], sha[2..4], sha)));

        // A later read may refer to an image already uploaded, by hash alone.
        var later = Reads.Read("IMG006", at);
        later["images"] = new Dictionary<string, string> { ["plateCrop"] = sha };
        AssertStatuses(["stored"], await Reads.PostAsync(camera, later));
    }

    [Fact]
    public async Task The_image_route_serves_own_reads_with_purpose_audits_it_and_hides_other_agencies()
    {
        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyA);
        var read = Reads.Read("PIC123", DateTimeOffset.UtcNow.AddMinutes(-1));
        byte[] crop = Png(100, 30, 9);
        read["images"] = new Dictionary<string, string> { ["plateCropBase64"] = Convert.ToBase64String(crop) };
        await Reads.PostAsync(camera, read);
        string id = (string)read["id"]!;

        using var investigator = await server.SignInAsync(RunningServer.AgencyA, "investigator");
        var ok = await investigator.GetAsync($"/api/v1/reads/{id}/images/plate?purpose=stolen-vehicle&caseNumber=24-77", Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("image/png", ok.Content.Headers.ContentType!.MediaType);
        Assert.Equal(crop, await ok.Content.ReadAsByteArrayAsync(Ct));

        var noPurpose = await investigator.GetAsync($"/api/v1/reads/{id}/images/plate", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, noPurpose.StatusCode);
        var noContext = await investigator.GetAsync($"/api/v1/reads/{id}/images/context?purpose=stolen-vehicle&caseNumber=24-77", Ct);
        Assert.Equal(HttpStatusCode.NotFound, noContext.StatusCode);

        using var otherAgency = await server.SignInAsync(RunningServer.AgencyB, "investigator");
        var hidden = await otherAgency.GetAsync($"/api/v1/reads/{id}/images/plate?purpose=stolen-vehicle&caseNumber=24-77", Ct);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        using var auditor = await server.SignInAsync(RunningServer.AgencyA, "auditor");
        var auditorTry = await auditor.GetAsync($"/api/v1/reads/{id}/images/plate?purpose=stolen-vehicle&caseNumber=24-77", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, auditorTry.StatusCode);

        var views = (await server.AuditEntriesAsync()).Where(e => e.Record.Action == "view.image").ToList();
        var granted = Assert.Single(views, e => e.Record.Outcome == "ok" && e.Record.ResultCount == 1 && e.Record.Parameters["image"] == "plate");
        Assert.Equal([id], granted.Record.RecordIds);
        Assert.Equal("24-77", granted.Record.CaseNumber);
        Assert.Equal("plate", granted.Record.Parameters["image"]);
        Assert.Contains(views, e => e.Record.Outcome == "rejected");
        Assert.Contains(views, e => e.Record.AgencyId == RunningServer.AgencyB && e.Record.ResultCount == 0);
    }

    [Fact]
    public async Task An_agency_admin_revokes_its_camera_key_while_the_server_runs_and_it_is_refused_at_once()
    {
        await using var server = await RunningServer.StartAsync();
        using var camera = server.Client(server.CameraKeyB);
        AssertStatuses(["stored"], await Reads.PostAsync(camera, Reads.Read("REV001", DateTimeOffset.UtcNow.AddMinutes(-1))));
        string keyId = server.CameraKeyB.Substring(4, 8);
        // Another agency's admin cannot revoke it, and learns nothing: the same 404 as an unknown key.
        using var otherAdmin = await server.SignInAsync(RunningServer.AgencyA, "admin");
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.PostAsync($"/api/v1/camera-keys/{keyId}/revoke", null, Ct)).StatusCode);
        using var investigator = await server.SignInAsync(RunningServer.AgencyB, "investigator");
        Assert.Equal(HttpStatusCode.Forbidden, (await investigator.PostAsync($"/api/v1/camera-keys/{keyId}/revoke", null, Ct)).StatusCode);
        Assert.Equal(["stored"], Statuses(await Reads.PostAsync(camera, Reads.Read("REV003", DateTimeOffset.UtcNow.AddMinutes(-1)))));
        using var admin = await server.SignInAsync(RunningServer.AgencyB, "admin");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/camera-keys/{keyId}/revoke", null, Ct)).StatusCode);
        var response = await camera.PostAsJsonAsync("/api/v1/reads", new[] { Reads.Read("REV002", DateTimeOffset.UtcNow.AddMinutes(-1)) }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(await server.AuditEntriesAsync(), e => e.Record.Action == "admin.revoke-camera-key");
    }
}
