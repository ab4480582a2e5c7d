using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platewatch.Server.Accounts;
using Platewatch.Server.Alerts;

namespace Platewatch.Server.Tests;

public sealed class AlertTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string A = RunningServer.AgencyA;

    [Fact]
    public async Task A_hit_reaches_a_signed_webhook_and_a_replay_is_refused()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await RunningServer.StartAsync();
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        string list = await Api.CreateListAsync(supervisor);
        await Api.AddEntryAsync(supervisor, list, "ABC1234", type: "motorcycle");
        var sub = await Api.JsonAsync(await supervisor.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "webhook", target = receiver.Url }, Ct), HttpStatusCode.Created);
        string secret = sub.GetProperty("webhookSecret").GetString()!;
        receiver.Verifier = new WebhookVerifier(secret);

        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("ABC1234", vehicleType: "suv"));

        var first = await Wait.ForAsync(() => Task.FromResult(receiver.Requests.TryPeek(out var r) ? r : null), "the webhook");
        Assert.Equal("Accepted", await Wait.ForAsync(() => Task.FromResult(receiver.Verdicts.TryPeek(out var v) ? v : null), "the verdict"));
        using var doc = JsonDocument.Parse(first.Body);
        var alert = doc.RootElement;
        Assert.Equal("ABC1234", alert.GetProperty("read").GetProperty("plate").GetString());
        Assert.Equal("exact", alert.GetProperty("match").GetProperty("kind").GetString());
        Assert.Equal("24-100", alert.GetProperty("entry").GetProperty("caseNumber").GetString());
        Assert.Equal("stolen-vehicle", alert.GetProperty("entry").GetProperty("category").GetString());
        Assert.Equal(RunningServer.CameraA, alert.GetProperty("read").GetProperty("cameraId").GetString());
        // The Aurora case: a motorcycle's plate read on an SUV.
        Assert.Contains(alert.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("Vehicle mismatch: a suv was read; the hotlist entry says motorcycle", StringComparison.Ordinal));

        // The same request again, byte for byte: a valid signature, but a delivery already accepted.
        var verifier = new WebhookVerifier(secret);
        Assert.Equal(WebhookVerifier.Result.Accepted, verifier.Verify(first.Signature, first.Timestamp, first.Delivery, first.Bytes));
        Assert.Equal(WebhookVerifier.Result.Replayed, verifier.Verify(first.Signature, first.Timestamp, first.Delivery, first.Bytes));
        using var replay = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new ByteArrayContent(first.Bytes) };
        replay.Headers.Add(WebhookSignature.SignatureHeader, first.Signature);
        replay.Headers.Add(WebhookSignature.TimestampHeader, first.Timestamp);
        replay.Headers.Add(WebhookSignature.DeliveryHeader, first.Delivery);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.Conflict, (await http.SendAsync(replay, Ct)).StatusCode);
        // A changed body, or another secret, fails the signature; an old timestamp is refused.
        byte[] tampered = [.. first.Bytes];
        tampered[^2] ^= 1;
        Assert.Equal(WebhookVerifier.Result.BadSignature, new WebhookVerifier(secret).Verify(first.Signature, first.Timestamp, first.Delivery, tampered));
        Assert.Equal(WebhookVerifier.Result.BadSignature, new WebhookVerifier("whsec_other").Verify(first.Signature, first.Timestamp, first.Delivery, first.Bytes));
        long old = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds();
        string oldSig = WebhookSignature.Sign(secret, old, first.Delivery!, first.Bytes);
        Assert.Equal(WebhookVerifier.Result.Expired, new WebhookVerifier(secret).Verify(oldSig, old.ToString(System.Globalization.CultureInfo.InvariantCulture), first.Delivery, first.Bytes));
    }

    [Fact]
    public async Task A_hit_is_emailed_through_a_real_smtp_server()
    {
        using var smtp = await SmtpServer.StartAsync();
        await using var server = await RunningServer.StartAsync($"--Alerts:Smtp:Host=127.0.0.1", $"--Alerts:Smtp:Port={smtp.Port}", "--Alerts:Smtp:Security=none",
            "--Alerts:Smtp:From=alerts@pd.example");
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        using var investigator = await server.SignInAsync(A, Roles.Investigator);
        string list = await Api.CreateListAsync(supervisor);
        await Api.AddEntryAsync(supervisor, list, "5SOW750", region: "US-CA");
        await Api.JsonAsync(await investigator.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "email", target = "officer@pd.example", hotlistId = list }, Ct), HttpStatusCode.Created);

        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("5SOW350", region: "US-CA"));

        string message = await Wait.ForAsync(() => Task.FromResult(smtp.Messages().FirstOrDefault()), "the email");
        Assert.Contains("officer@pd.example", message, StringComparison.Ordinal);
        Assert.Contains("Subject: [Platewatch] CHECK stolen-vehicle hit: 5SOW350 (edit)", message, StringComparison.Ordinal);
        Assert.Contains("Listed:   5SOW750 US-CA", message, StringComparison.Ordinal);
        Assert.Contains("WARNING:  Misread-tolerant match (edit)", message, StringComparison.Ordinal);
        Assert.Contains("@platewatch>", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_live_feed_streams_hits_and_replays_after_a_reconnect()
    {
        await using var server = await RunningServer.StartAsync();
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        using var investigator = await server.SignInAsync(A, Roles.Investigator);
        string list = await Api.CreateListAsync(supervisor);
        await Api.AddEntryAsync(supervisor, list, "FDA1111");
        await Api.AddEntryAsync(supervisor, list, "QUX9999");

        using var feed = await investigator.GetAsync("/api/v1/alerts/feed", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("text/event-stream", feed.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await feed.Content.ReadAsStreamAsync(Ct));
        Assert.Equal("connected", await NextEventAsync(reader));
        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("FDA1111"));
        var (type, id, data) = await NextEventWithDataAsync(reader);
        Assert.Equal("alert", type);
        Assert.Equal("FDA1111", JsonDocument.Parse(data).RootElement.GetProperty("read").GetProperty("plate").GetString());

        // Missed while away: replayed from the store after Last-Event-ID.
        await Reads.PostAsync(camera, Api.Read("QUX9999"));
        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/alerts/feed");
        again.Headers.Add("Last-Event-ID", id);
        using var resumed = await investigator.SendAsync(again, HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader2 = new StreamReader(await resumed.Content.ReadAsStreamAsync(Ct));
        Assert.Equal("connected", await NextEventAsync(reader2));
        var (_, _, data2) = await NextEventWithDataAsync(reader2);
        Assert.Equal("QUX9999", JsonDocument.Parse(data2).RootElement.GetProperty("read").GetProperty("plate").GetString());

        // Another agency's feed sees nothing of agency A.
        Assert.Empty(await Api.AlertsAsync(await server.SignInAsync(RunningServer.AgencyB, Roles.Investigator)));
    }

    [Fact]
    public async Task The_live_feed_ends_when_its_token_expires_and_a_new_token_resumes_it()
    {
        await using var server = await RunningServer.StartAsync("--Accounts:TokenLifetimeMinutes=0.15"); // 9 s: time to see one alert first
        using (var supervisor = await server.SignInAsync(A, Roles.Supervisor))
        {
            string list = await Api.CreateListAsync(supervisor);
            await Api.AddEntryAsync(supervisor, list, "EXF1234");
        }
        using var camera = server.Client(server.CameraKeyA);
        using var investigator = await server.SignInAsync(A, Roles.Investigator);
        using var feed = await investigator.GetAsync("/api/v1/alerts/feed", HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await feed.Content.ReadAsStreamAsync(Ct));
        Assert.Equal("connected", await NextEventAsync(reader));
        await Reads.PostAsync(camera, Api.Read("EXF1234"));
        var (type, id, _) = await NextEventWithDataAsync(reader);
        Assert.Equal("alert", type);

        // The feed says why it ends, then ends: it does not outlive the token.
        Assert.Equal("expired", await NextEventAsync(reader));
        await Assert.ThrowsAsync<EndOfStreamException>(() => NextEventWithDataAsync(reader));
        Assert.Equal(HttpStatusCode.Unauthorized, (await investigator.GetAsync("/api/v1/alerts/feed", HttpCompletionOption.ResponseHeadersRead, Ct)).StatusCode);

        // What was raised meanwhile comes back with the replay under a new token.
        await Reads.PostAsync(camera, Api.Read("EXF1234"));
        using var renewed = await server.SignInAsync(A, Roles.Investigator);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/alerts/feed");
        again.Headers.Add("Last-Event-ID", id);
        using var resumed = await renewed.SendAsync(again, HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader2 = new StreamReader(await resumed.Content.ReadAsStreamAsync(Ct));
        Assert.Equal("connected", await NextEventAsync(reader2));
        var (type2, id2, _) = await NextEventWithDataAsync(reader2);
        Assert.Equal("alert", type2);
        Assert.True(long.Parse(id2!, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(id!, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<string> NextEventAsync(StreamReader reader) => (await NextEventWithDataAsync(reader)).Type;

    private static async Task<(string Type, string? Id, string Data)> NextEventWithDataAsync(StreamReader reader)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(15));
        string type = "message", data = "";
        string? id = null;
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.Length == 0) { if (data.Length > 0) return (type, id, data); continue; }
            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data += line[6..];
        }
        throw new EndOfStreamException();
    }

    [Fact]
    public async Task Verification_needs_the_recheck_and_every_transition_is_audited()
    {
        await using var server = await RunningServer.StartAsync();
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        using var investigator = await server.SignInAsync(A, Roles.Investigator);
        string list = await Api.CreateListAsync(supervisor);
        await Api.AddEntryAsync(supervisor, list, "KVA1111");
        var gone = await Api.AddEntryAsync(supervisor, list, "MXB2222");
        await Api.AddEntryAsync(supervisor, list, "PZC3333", region: "US-OR");
        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("KVA1111"), Api.Read("MXB2222"), Api.Read("PZC3333", region: "US-WA"), Api.Read("NOT1ISTD"));

        var alerts = await Api.AlertsAsync(investigator);
        Assert.Equal(3, alerts.Length);
        string Id(string plate) => alerts.Single(a => a.GetProperty("content").GetProperty("read").GetProperty("plate").GetString() == plate).GetProperty("content").GetProperty("id").GetString()!;
        // Other state: flagged and weaker, not hidden.
        var other = alerts.Single(a => a.GetProperty("content").GetProperty("read").GetProperty("plate").GetString() == "PZC3333").GetProperty("content");
        Assert.True(other.GetProperty("match").GetProperty("otherRegion").GetBoolean());
        Assert.Equal(0.5, other.GetProperty("match").GetProperty("score").GetDouble(), 3);

        string v1 = Id("KVA1111");
        var noRecheck = await investigator.PostAsJsonAsync($"/api/v1/alerts/{v1}/verify", new { plateCompared = true }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, noRecheck.StatusCode);
        Assert.Equal("application/problem+json", noRecheck.Content.Headers.ContentType?.MediaType);
        Assert.Contains("entryRecheckedActive", await noRecheck.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var verified = await Api.JsonAsync(await investigator.PostAsJsonAsync($"/api/v1/alerts/{v1}/verify", new { plateCompared = true, entryRecheckedActive = true, note = "image matches" }, Ct), HttpStatusCode.OK);
        Assert.Equal("verified", verified.GetProperty("status").GetString());
        Assert.Equal(RunningServer.User(A, Roles.Investigator), verified.GetProperty("decidedBy").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await investigator.PostAsJsonAsync($"/api/v1/alerts/{v1}/reject", new { reason = "misread" }, Ct)).StatusCode);
        var outcome = await Api.JsonAsync(await investigator.PostAsJsonAsync($"/api/v1/alerts/{v1}/outcome", new { outcome = "vehicle-recovered" }, Ct), HttpStatusCode.OK);
        Assert.Equal("vehicle-recovered", outcome.GetProperty("outcome").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await investigator.PostAsJsonAsync($"/api/v1/alerts/{v1}/outcome", new { outcome = "arrest" }, Ct)).StatusCode);

        // The entry was removed after the hit: it cannot be verified, only rejected as expired.
        await supervisor.DeleteAsync($"/api/v1/hotlists/{list}/entries/{gone.GetProperty("entry").GetProperty("id").GetInt64()}", Ct);
        string v2 = Id("MXB2222");
        var stale = await investigator.PostAsJsonAsync($"/api/v1/alerts/{v2}/verify", new { plateCompared = true, entryRecheckedActive = true }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("expired-entry", await stale.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await investigator.PostAsJsonAsync($"/api/v1/alerts/{v2}/outcome", new { outcome = "stop-made" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await investigator.PostAsJsonAsync($"/api/v1/alerts/{v2}/reject", new { reason = "looked wrong" }, Ct)).StatusCode);
        await Api.JsonAsync(await investigator.PostAsJsonAsync($"/api/v1/alerts/{v2}/reject", new { reason = "expired-entry" }, Ct), HttpStatusCode.OK);
        await Api.JsonAsync(await investigator.PostAsJsonAsync($"/api/v1/alerts/{Id("PZC3333")}/reject", new { reason = "wrong-state" }, Ct), HttpStatusCode.OK);

        // Another agency cannot see or decide agency A's alerts.
        using var other_ = await server.SignInAsync(RunningServer.AgencyB, Roles.Supervisor);
        Assert.Equal(HttpStatusCode.NotFound, (await other_.PostAsJsonAsync($"/api/v1/alerts/{v1}/reject", new { reason = "misread" }, Ct)).StatusCode);

        var metrics = await Api.JsonAsync(await supervisor.GetAsync("/api/v1/alerts/metrics", Ct), HttpStatusCode.OK);
        var byList = Assert.Single(metrics.GetProperty("byHotlist").EnumerateArray());
        Assert.Equal((3, 1, 2), (byList.GetProperty("total").GetInt32(), byList.GetProperty("verified").GetInt32(), byList.GetProperty("rejected").GetInt32()));
        Assert.Equal(1.0 / 3, byList.GetProperty("precision").GetDouble(), 3);
        Assert.Equal(RunningServer.CameraA, Assert.Single(metrics.GetProperty("byCamera").EnumerateArray()).GetProperty("key").GetString());
        Assert.Equal(JsonValueKind.Number, byList.GetProperty("medianSecondsToDecision").ValueKind);

        var audit = await server.AuditEntriesAsync();
        var transitions = audit.Where(e => e.Record.Action.StartsWith("alert.", StringComparison.Ordinal)).Select(e => (e.Record.Action, e.Record.Outcome, e.Record.Actor)).ToList();
        string inv = RunningServer.User(A, Roles.Investigator);
        Assert.Equal(
        [
            ("alert.verify", "denied", inv), ("alert.verify", "ok", inv), ("alert.reject", "denied", inv), ("alert.outcome", "ok", inv), ("alert.outcome", "denied", inv),
            ("alert.verify", "denied", inv), ("alert.outcome", "denied", inv), ("alert.reject", "ok", inv), ("alert.reject", "ok", inv),
        ], transitions);
        Assert.Contains(audit, e => e.Record.Action == "alert.verify" && e.Record.Outcome == "ok" && e.Record.RecordIds.Contains(v1) && e.Record.CaseNumber == "24-100");
        Assert.Contains(audit, e => e.Record.Action == "hotlist.entry.add" && e.Record.Parameters["plate"] == "KVA1111");
        Assert.Contains(audit, e => e.Record.Action == "hotlist.entry.delete" && e.Record.Parameters["plate"] == "MXB2222");
    }

    [Fact]
    public async Task Imports_report_bad_rows_replace_on_refresh_and_skip_switched_off_categories()
    {
        await using var server = await RunningServer.StartAsync();
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        using var investigator = await server.SignInAsync(A, Roles.Investigator);
        string list = await Api.CreateListAsync(supervisor, "ncic");
        await Api.JsonAsync(await supervisor.PutAsJsonAsync("/api/v1/hotlists/categories", new { off = new[] { "immigration-violator" } }, Ct), HttpStatusCode.OK);

        string csv = "plate,region,category,reason,case_number\nOLD1,US-WA,stolen-plate,old,1\nOLD2,US-WA,stolen-plate,old,2\n";
        var first = await Api.JsonAsync(await supervisor.PostAsJsonAsync($"/api/v1/hotlists/{list}/import", new { format = "csv", content = csv }, Ct), HttpStatusCode.OK);
        Assert.Equal(2, first.GetProperty("imported").GetInt32());

        string F(string file, string plate, string nic) => file.PadRight(2) + plate.PadRight(10) + "WA" + nic.PadRight(10) + "20261101" + "        ";
        string ncic = string.Join('\n', F("SV", "NEW1", "V1"), F("ZZ", "BAD1", "V2"), F("IV", "IMM1", "I1"), F("SV", "", "V3"));
        var refresh = await Api.JsonAsync(await supervisor.PostAsJsonAsync($"/api/v1/hotlists/{list}/import", new { format = "ncic", content = ncic }, Ct), HttpStatusCode.OK);
        Assert.Equal(1, refresh.GetProperty("imported").GetInt32());
        Assert.Equal(1, refresh.GetProperty("switchedOff").GetInt32());
        Assert.Equal([2, 4], refresh.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("line").GetInt32()));

        var entries = await Api.JsonAsync(await supervisor.GetAsync($"/api/v1/hotlists/{list}/entries", Ct), HttpStatusCode.OK);
        Assert.Equal(["NEW1"], entries.EnumerateArray().Select(e => e.GetProperty("plate").GetString()));

        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("OLD1"), Api.Read("IMM1"), Api.Read("NEW1"));
        var alerts = await Api.AlertsAsync(investigator);
        Assert.Equal("NEW1", Assert.Single(alerts).GetProperty("content").GetProperty("entry").GetProperty("plate").GetString());

        var bad = await supervisor.PostAsJsonAsync($"/api/v1/hotlists/{list}/import", new { format = "csv", content = "plate\nX\n" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Contains(await server.AuditEntriesAsync(), e => e.Record.Action == "hotlist.import" && e.Record.Parameters["rejected"] == "2");
        Assert.Contains(await server.AuditEntriesAsync(), e => e.Record.Action == "hotlist.categories" && e.Record.Parameters["off"] == "immigration-violator");
        // Investigators read lists but do not change them.
        Assert.Equal(HttpStatusCode.Forbidden, (await investigator.PostAsJsonAsync($"/api/v1/hotlists/{list}/import", new { format = "csv", content = csv }, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_list_name_source_and_interval_are_patched_and_audited()
    {
        await using var server = await RunningServer.StartAsync();
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        using var investigator = await server.SignInAsync(A, Roles.Investigator);
        using var otherAgency = await server.SignInAsync(RunningServer.AgencyB, Roles.Supervisor);
        string list = await Api.CreateListAsync(supervisor, "daily");
        var patched = await Api.JsonAsync(await supervisor.PatchAsJsonAsync($"/api/v1/hotlists/{list}", new { name = "nightly", refreshIntervalHours = 12 }, Ct), HttpStatusCode.OK);
        Assert.Equal(("nightly", 12.0), (patched.GetProperty("name").GetString(), patched.GetProperty("refreshIntervalHours").GetDouble()));
        string source = patched.GetProperty("source").GetString()!;
        var lists = await Api.JsonAsync(await supervisor.GetAsync("/api/v1/hotlists", Ct), HttpStatusCode.OK);
        Assert.Equal(("nightly", source, 12.0), (lists[0].GetProperty("name").GetString(), lists[0].GetProperty("source").GetString(), lists[0].GetProperty("refreshIntervalHours").GetDouble()));

        var bad = await supervisor.PatchAsJsonAsync($"/api/v1/hotlists/{list}", new { refreshIntervalHours = -1 }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.PatchAsJsonAsync($"/api/v1/hotlists/{list}", new { name = " " }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await investigator.PatchAsJsonAsync($"/api/v1/hotlists/{list}", new { name = "x" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherAgency.PatchAsJsonAsync($"/api/v1/hotlists/{list}", new { name = "x" }, Ct)).StatusCode);

        var update = Assert.Single(await server.AuditEntriesAsync(), e => e.Record.Action == "hotlist.update");
        Assert.Equal(("nightly", "daily", "12", "24"), (update.Record.Parameters["name"], update.Record.Parameters["oldName"], update.Record.Parameters["refreshHours"], update.Record.Parameters["oldRefreshHours"]));
        Assert.False(update.Record.Parameters.ContainsKey("oldSource"));
    }

    [Fact]
    public async Task A_stale_list_raises_an_alarm_and_its_hits_say_recheck()
    {
        await using var server = await RunningServer.StartAsync("--Alerts:StaleCheckSeconds=0.1");
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        string list = await Api.CreateListAsync(supervisor, "daily", refreshHours: 0.0002); // 0.72 s
        await Api.AddEntryAsync(supervisor, list, "STALE1");
        var alarms = await Wait.ForAsync(async () =>
        {
            var a = await Api.JsonAsync(await supervisor.GetAsync("/api/v1/hotlists/alarms", Ct), HttpStatusCode.OK);
            return a.GetArrayLength() > 0 ? (JsonElement?)a : null;
        }, "the stale alarm");
        Assert.Contains(list, alarms.GetValueOrDefault()[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        var lists = await Api.JsonAsync(await supervisor.GetAsync("/api/v1/hotlists", Ct), HttpStatusCode.OK);
        Assert.True(lists[0].GetProperty("stale").GetBoolean());

        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("STALE1"));
        var alert = Assert.Single(await Api.AlertsAsync(await server.SignInAsync(A, Roles.Investigator))).GetProperty("content");
        Assert.True(alert.GetProperty("stale").GetBoolean());
        Assert.StartsWith("List stale, recheck before acting", alert.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains(await server.AuditEntriesAsync(), e => e.Record.Action == "hotlist.stale-alarm");
    }

    [Fact]
    public async Task A_resent_read_alerts_once_whether_it_arrives_alone_or_racing_its_original()
    {
        await using var server = await RunningServer.StartAsync();
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        string list = await Api.CreateListAsync(supervisor);
        await Api.AddEntryAsync(supervisor, list, "TWICE1");
        using var camera = server.Client(server.CameraKeyA);
        var read = Api.Read("TWICE1");
        // Single-read requests are group-committed: the two concurrent copies may share a commit.
        await Task.WhenAll(Reads.PostAsync(camera, read), Reads.PostAsync(camera, read));
        await Reads.PostAsync(camera, read);
        var alerts = await Api.AlertsAsync(await server.SignInAsync(A, Roles.Investigator));
        Assert.Single(alerts);
    }

    [Fact]
    public async Task Expired_entries_raise_no_alert()
    {
        await using var server = await RunningServer.StartAsync();
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        string list = await Api.CreateListAsync(supervisor);
        await Api.AddEntryAsync(supervisor, list, "EXP1", expires: DateTimeOffset.UtcNow.AddSeconds(1));
        await Api.AddEntryAsync(supervisor, list, "LIVE1", expires: DateTimeOffset.UtcNow.AddDays(1));
        await Task.Delay(1200, Ct);
        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("EXP1"), Api.Read("LIVE1"));
        var alerts = await Api.AlertsAsync(await server.SignInAsync(A, Roles.Investigator));
        Assert.Equal("LIVE1", Assert.Single(alerts).GetProperty("content").GetProperty("entry").GetProperty("plate").GetString());
    }

    [Fact]
    public async Task A_new_entry_is_back_searched_through_the_audited_gate_under_its_case()
    {
        await using var server = await RunningServer.StartAsync();
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("BACK1", at: DateTimeOffset.UtcNow.AddDays(-3)), Api.Read("BACKL", at: DateTimeOffset.UtcNow.AddDays(-2)), Api.Read("BACK1", at: DateTimeOffset.UtcNow.AddDays(-45)));
        string list = await Api.CreateListAsync(supervisor);
        var added = await Api.AddEntryAsync(supervisor, list, "BACK1", caseNumber: "24-777");
        // 3 days ago (exact) and 2 days ago (one edit); 45 days ago is outside the 30-day window.
        Assert.Equal(2, added.GetProperty("backSearchHits").GetInt32());
        var search = (await server.AuditEntriesAsync()).Single(e => e.Record.Action == "search.reads");
        Assert.Equal(("24-777", "stolen-vehicle", RunningServer.User(A, Roles.Supervisor)), (search.Record.CaseNumber, search.Record.Purpose, search.Record.Actor));
        var alerts = await Api.AlertsAsync(supervisor);
        Assert.All(alerts, a => Assert.True(a.GetProperty("content").GetProperty("historical").GetBoolean()));
        Assert.Equal(2, alerts.Length);
    }

    [Fact]
    public async Task An_import_back_searches_only_its_new_entries_highest_priority_first_up_to_the_cap()
    {
        await using var server = await RunningServer.StartAsync("--Alerts:BackSearchMaxPerImport=1");
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("KQX4821", at: DateTimeOffset.UtcNow.AddDays(-3)), Api.Read("RZT7730", at: DateTimeOffset.UtcNow.AddDays(-2)),
            Api.Read("MWP1954", at: DateTimeOffset.UtcNow.AddDays(-1)));
        string list = await Api.CreateListAsync(supervisor);
        const string Header = "plate,region,category,reason,case_number,priority\n";
        var first = await Api.JsonAsync(await supervisor.PostAsJsonAsync($"/api/v1/hotlists/{list}/import",
            new { format = "csv", content = Header + "KQX4821,US-WA,stolen-vehicle,stolen,24-1,50\n" }, Ct), HttpStatusCode.OK);
        var back = first.GetProperty("backSearch");
        Assert.Equal((1, 1, 0, 1), (back.GetProperty("newEntries").GetInt32(), back.GetProperty("searched").GetInt32(), back.GetProperty("notSearched").GetInt32(), back.GetProperty("hits").GetInt32()));

        // The refresh keeps KQX4821 (not searched again) and adds two; the cap of 1 takes the higher priority one.
        var refresh = await Api.JsonAsync(await supervisor.PostAsJsonAsync($"/api/v1/hotlists/{list}/import", new
        {
            format = "csv",
            content = Header + "KQX4821,US-WA,stolen-vehicle,stolen,24-1,50\nMWP1954,US-WA,wanted-person,warrant,24-3,10\nRZT7730,US-WA,stolen-plate,plate gone,24-2,90\n",
        }, Ct), HttpStatusCode.OK);
        back = refresh.GetProperty("backSearch");
        Assert.Equal((2, 1, 1, 1), (back.GetProperty("newEntries").GetInt32(), back.GetProperty("searched").GetInt32(), back.GetProperty("notSearched").GetInt32(), back.GetProperty("hits").GetInt32()));

        var audit = await server.AuditEntriesAsync();
        Assert.Equal([("24-1", "stolen-vehicle"), ("24-2", "stolen-plate")],
            audit.Where(e => e.Record.Action == "search.reads").Select(e => (e.Record.CaseNumber, e.Record.Purpose)));
        var runs = audit.Where(e => e.Record.Action == "hotlist.import.backsearch").ToList();
        Assert.Equal(2, runs.Count);
        Assert.Equal("1", runs[1].Record.Parameters["notSearched"]);
        Assert.Contains("at most 1", runs[1].Record.Detail, StringComparison.Ordinal);
        var alerts = await Api.AlertsAsync(supervisor);
        Assert.Equal(["KQX4821", "RZT7730"], alerts.Select(a => a.GetProperty("content").GetProperty("entry").GetProperty("plate").GetString()).Order(StringComparer.Ordinal));
        Assert.All(alerts, a => Assert.True(a.GetProperty("content").GetProperty("historical").GetBoolean()));
    }

    [Fact]
    public async Task Failed_deliveries_retry_with_backoff_then_dead_letter_visible_to_admins()
    {
        int closed = Ports.Free();
        await using var server = await RunningServer.StartAsync("--Alerts:MaxAttempts=3", "--Alerts:FirstBackoffSeconds=0.05", "--Alerts:MaxBackoffSeconds=0.1");
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        using var admin = await server.SignInAsync(A, Roles.Admin);
        string list = await Api.CreateListAsync(supervisor);
        await Api.AddEntryAsync(supervisor, list, "DEAD1");
        await Api.JsonAsync(await supervisor.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "webhook", target = $"http://127.0.0.1:{closed}/hook" }, Ct), HttpStatusCode.Created);
        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("DEAD1"));
        var dead = await Wait.ForAsync(async () =>
        {
            var d = await Api.JsonAsync(await admin.GetAsync("/api/v1/alerts/deliveries", Ct), HttpStatusCode.OK);
            return d.GetArrayLength() > 0 ? (JsonElement?)d[0] : null;
        }, "the dead letter");
        Assert.Equal(("dead", 3), (dead.GetValueOrDefault().GetProperty("status").GetString(), dead.GetValueOrDefault().GetProperty("attempts").GetInt32()));
        Assert.False(string.IsNullOrEmpty(dead.GetValueOrDefault().GetProperty("lastError").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await supervisor.GetAsync("/api/v1/alerts/deliveries", Ct)).StatusCode);

        // Once the receiver is up, an admin puts it back in the queue and it is delivered.
        await using var receiver = await WebhookReceiver.StartAsync(closed);
        string alertId = dead.GetValueOrDefault().GetProperty("alertId").GetString()!, sub = dead.GetValueOrDefault().GetProperty("subscriptionId").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/alerts/{alertId}/deliveries/{sub}/retry", null, Ct)).StatusCode);
        await Wait.ForAsync(() => Task.FromResult(receiver.Requests.TryPeek(out var r) ? r : null), "the retried delivery");
        var delivered = await Wait.ForAsync(async () =>
        {
            var d = await Api.JsonAsync(await admin.GetAsync("/api/v1/alerts/deliveries?status=delivered", Ct), HttpStatusCode.OK);
            return d.GetArrayLength() > 0 ? (JsonElement?)d[0] : null;
        }, "the delivered state");
        Assert.Equal(4, delivered.GetValueOrDefault().GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Registration_lookup_needs_its_own_grant_and_is_audited_and_hits_compare_with_it()
    {
        await using var server = await RunningServer.StartAsync();
        using var admin = await server.SignInAsync(A, Roles.Admin);
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        using var investigator = await server.SignInAsync(A, Roles.Investigator);
        string csv = """
            plate,region,vin,make,model,year,colour,body,owner_name,owner_address,expires
            MOTO1,US-WA,1HD1KB4197Y123456,Harley-Davidson,Street Glide,2019,black,motorcycle,Jane Roe,1 Main St,2027-03-31
            BAD 1,US-WA,,,,19x9,,,,,
            ,US-WA,,,,,,,,,
            """;
        var imported = await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/registrations/import", new { content = csv }, Ct), HttpStatusCode.OK);
        Assert.Equal(1, imported.GetProperty("imported").GetInt32());
        Assert.Equal([3, 4], imported.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("line").GetInt32()));
        Assert.Equal(HttpStatusCode.Forbidden, (await investigator.PostAsJsonAsync("/api/v1/registrations/import", new { content = csv }, Ct)).StatusCode);

        string url = "/api/v1/registrations?plate=MOTO1&region=US-WA&purpose=stolen-vehicle&caseNumber=24-9";
        var refused = await investigator.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync(url, Ct)).StatusCode);   // admins manage grants; they do not search
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/registrations/access/{RunningServer.User(A, Roles.Investigator)}", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await investigator.GetAsync("/api/v1/registrations?plate=MOTO1", Ct)).StatusCode);
        var found = await Api.JsonAsync(await investigator.GetAsync(url, Ct), HttpStatusCode.OK);
        Assert.Equal("Jane Roe", found.GetProperty("records")[0].GetProperty("ownerName").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/registrations/access/{RunningServer.User(A, Roles.Investigator)}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await investigator.GetAsync(url, Ct)).StatusCode);

        var lookups = (await server.AuditEntriesAsync()).Where(e => e.Record.Action == "registration.lookup").ToList();
        Assert.Equal(["denied", "denied", "ok", "denied"], lookups.Select(e => e.Record.Outcome));
        var ok = lookups.Single(e => e.Record.Outcome == "ok");
        Assert.Equal(("24-9", "stolen-vehicle", 1L), (ok.Record.CaseNumber, ok.Record.Purpose, ok.Record.ResultCount));
        Assert.All(lookups, e => Assert.Equal("MOTO1", e.Record.Parameters["plate"]));
        Assert.Contains(await server.AuditEntriesAsync(), e => e.Record.Action == "registration.access.grant");

        // A hit on the motorcycle's plate read on an SUV warns from the registration record too.
        string list = await Api.CreateListAsync(supervisor);
        await Api.AddEntryAsync(supervisor, list, "MOTO1");
        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("MOTO1", vehicleType: "suv"));
        var alert = Assert.Single(await Api.AlertsAsync(investigator)).GetProperty("content");
        Assert.Contains(alert.GetProperty("warnings").EnumerateArray(), w => w.GetString() == "Vehicle mismatch: a suv was read; the registration record says motorcycle.");

        // The alert's registration details only for a user holding the grant, audited as a lookup under the entry's case.
        string alertId = alert.GetProperty("id").GetString()!;
        var plain = await Api.JsonAsync(await investigator.GetAsync($"/api/v1/alerts/{alertId}", Ct), HttpStatusCode.OK);
        Assert.False(plain.TryGetProperty("registrations", out _));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/registrations/access/{RunningServer.User(A, Roles.Investigator)}", null, Ct)).StatusCode);
        var detail = await Api.JsonAsync(await investigator.GetAsync($"/api/v1/alerts/{alertId}", Ct), HttpStatusCode.OK);
        Assert.Equal("1HD1KB4197Y123456", detail.GetProperty("registrations")[0].GetProperty("vin").GetString());
        var last = (await server.AuditEntriesAsync()).Last(e => e.Record.Action == "registration.lookup");
        Assert.Equal(("24-100", alertId), (last.Record.CaseNumber, last.Record.Parameters["alert"]));
    }

    [Fact]
    public async Task A_hit_goes_out_through_the_configured_sms_gateway()
    {
        await using var gateway = await WebhookReceiver.StartAsync();
        await using var server = await RunningServer.StartAsync($"--Alerts:Sms:Url={gateway.Url}?to={{to}}", "--Alerts:Sms:Authorization=Bearer gateway-token");
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        string list = await Api.CreateListAsync(supervisor);
        await Api.AddEntryAsync(supervisor, list, "SMS1234");
        await Api.JsonAsync(await supervisor.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "sms", target = "+15555550100" }, Ct), HttpStatusCode.Created);
        using var camera = server.Client(server.CameraKeyA);
        await Reads.PostAsync(camera, Api.Read("SMS1234"));
        var sms = await Wait.ForAsync(() => Task.FromResult(gateway.Requests.TryPeek(out var r) ? r : null), "the SMS gateway request");
        using var body = JsonDocument.Parse(sms.Body);
        Assert.Equal("+15555550100", body.RootElement.GetProperty("to").GetString());
        Assert.StartsWith("Platewatch stolen-vehicle hit SMS1234 (exact)", body.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("Bearer gateway-token", sms.Authorization);
        Assert.Equal("+15555550100", sms.Query);
    }

    [Fact]
    public async Task Subscriptions_are_per_user_and_filter_by_camera_category_and_priority()
    {
        var s = new Subscription { Id = "s", Username = "u", AgencyId = A, Channel = "email", Target = "x@y", Category = "stolen-plate", MinPriority = 60, CameraId = "cam-a1", Area = "radius:47.6062,-122.3321,1000" };
        var alert = new AlertContent
        {
            Id = "a", CreatedAt = DateTimeOffset.UtcNow, Read = new Platewatch.Formats.ReadDto(),
            Entry = new AlertEntry(1, "hl", "n", "src", "P", "", "stolen-plate", "r", "c", 70, null, null), Match = new AlertMatch("exact", 1, "P", 0, false),
        };
        var read = new Platewatch.Reads.PlateRead
        {
            Id = Platewatch.Reads.ReadId.New(), Plate = "P", Confidence = 1, CapturedAt = DateTimeOffset.UtcNow, Location = new Platewatch.Geo.GeoPoint(47.6062, -122.3321), CameraId = "cam-a1", AgencyId = A,
        };
        Assert.True(AlertEngine.Wants(s, alert, read));
        Assert.False(AlertEngine.Wants(s with { MinPriority = 80 }, alert, read));
        Assert.False(AlertEngine.Wants(s with { Category = "stolen-vehicle" }, alert, read));
        Assert.False(AlertEngine.Wants(s, alert, read with { CameraId = "cam-x" }));
        Assert.False(AlertEngine.Wants(s, alert, read with { Location = new Platewatch.Geo.GeoPoint(47.7, -122.3321) }));
        Assert.False(AlertEngine.Wants(s with { HotlistId = "other" }, alert, read));

        await using var server = await RunningServer.StartAsync();
        using var investigator = await server.SignInAsync(A, Roles.Investigator);
        var badHook = await investigator.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "webhook", target = "http://127.0.0.1:1/x" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, badHook.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await investigator.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "email", target = "not-an-address" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await investigator.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "pigeon", target = "x" }, Ct)).StatusCode);
        var made = await Api.JsonAsync(await investigator.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "email", target = "me@pd.example", category = "stolen-plate" }, Ct), HttpStatusCode.Created);
        Assert.Equal(JsonValueKind.Undefined, made.TryGetProperty("webhookSecret", out var secret) ? secret.ValueKind : JsonValueKind.Undefined);
        using var supervisor = await server.SignInAsync(A, Roles.Supervisor);
        Assert.Empty((await Api.JsonAsync(await supervisor.GetAsync("/api/v1/subscriptions", Ct), HttpStatusCode.OK)).EnumerateArray());
        Assert.Single((await Api.JsonAsync(await investigator.GetAsync("/api/v1/subscriptions", Ct), HttpStatusCode.OK)).EnumerateArray());
    }
}
