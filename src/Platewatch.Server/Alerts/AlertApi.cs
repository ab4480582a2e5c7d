using System.Collections.Immutable;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Platewatch.Alerts.Hotlists;
using Platewatch.Audit;
using Platewatch.Query;
using Platewatch.Server.Accounts;
using static Platewatch.Server.Alerts.HotlistApi;

namespace Platewatch.Server.Alerts;

internal sealed record AlertPage(int Count, long? Next, IReadOnlyList<AlertView> Alerts);

/// <summary>An alert, with the listed plate's registration records when the caller holds the registration grant.</summary>
internal sealed record AlertDetail(AlertView Alert, IReadOnlyList<RegistrationRecord>? Registrations);

/// <summary>Verification: the officer says they compared the plate image with the listed plate and state, and rechecked the entry with its source.</summary>
internal sealed record VerifyRequest(bool? PlateCompared, bool? EntryRecheckedActive, string? Note);

internal sealed record RejectRequest(string? Reason, string? Note);

internal sealed record OutcomeRequest(string? Outcome, string? Note);

internal sealed record MetricDto(string Key, long Total, long Verified, long Rejected, long Pending, double Precision, double? MedianSecondsToDecision);

internal sealed record MetricsDto(IReadOnlyList<MetricDto> ByHotlist, IReadOnlyList<MetricDto> ByCamera);

internal sealed record SubscriptionRequest(string? Channel, string? Target, string? HotlistId, string? Category, int? MinPriority, string? CameraId, string? Area);

/// <summary>The webhook secret is shown here once; it is not stored.</summary>
internal sealed record SubscriptionCreated(Subscription Subscription, string? WebhookSecret);

internal sealed record RegistrationImportRequest(string? Content);

internal sealed record RegistrationLookup(int Count, IReadOnlyList<RegistrationRecord> Records);

/// <summary>Alerts (list, live feed, verification, metrics, dead letters), subscriptions and registration records.</summary>
internal static class AlertApi
{
    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        var a = app.MapGroup("/api/v1/alerts").WithTags("alerts");
        a.MapGet("", ListAsync).RequireAuthorization(AlertPolicies.AlertWork);
        a.MapGet("/feed", Feed).RequireAuthorization(AlertPolicies.AlertWork);
        a.MapGet("/metrics", MetricsAsync).RequireAuthorization(AlertPolicies.Metrics);
        a.MapGet("/deliveries", DeliveriesAsync).RequireAuthorization(AlertPolicies.Admin);
        a.MapGet("/{id}", GetAsync).RequireAuthorization(AlertPolicies.AlertWork);
        a.MapPost("/{id}/verify", VerifyAsync).RequireAuthorization(AlertPolicies.AlertWork);
        a.MapPost("/{id}/reject", RejectAsync).RequireAuthorization(AlertPolicies.AlertWork);
        a.MapPost("/{id}/outcome", OutcomeAsync).RequireAuthorization(AlertPolicies.AlertWork);
        a.MapPost("/{id}/deliveries/{subscription}/retry", RetryAsync).RequireAuthorization(AlertPolicies.Admin);

        var s = app.MapGroup("/api/v1/subscriptions").WithTags("alerts");
        s.MapGet("", SubscriptionsAsync).RequireAuthorization(AlertPolicies.AlertWork);
        s.MapPost("", SubscribeAsync).RequireAuthorization(AlertPolicies.AlertWork);
        s.MapDelete("/{id}", UnsubscribeAsync).RequireAuthorization(AlertPolicies.AlertWork);

        var r = app.MapGroup("/api/v1/registrations").WithTags("registrations");
        r.MapGet("", LookupAsync).RequireAuthorization(Policies.Search);
        r.MapPost("/import", ImportRegistrationsAsync).RequireAuthorization(AlertPolicies.Admin);
        r.MapPut("/access/{username}", GrantAsync).RequireAuthorization(AlertPolicies.Admin);
        r.MapDelete("/access/{username}", RevokeAsync).RequireAuthorization(AlertPolicies.Admin);
        return app;
    }

    private static Task<AuditEntry> AuditAsync(IAuditLog audit, Principal who, string action, string outcome, string? source, string? caseNumber, string? detail, ImmutableArray<string> records,
        CancellationToken cancellationToken, params (string Key, string? Value)[] parameters) =>
        audit.AppendAsync(new AuditRecord
        {
            Actor = who.UserId, AgencyId = who.AgencyId, Role = who.Role, Action = action, Outcome = outcome, Source = source, CaseNumber = caseNumber, Detail = detail,
            RecordIds = records, ResultCount = records.IsDefaultOrEmpty ? null : records.Length,
            Parameters = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, parameters.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, p.Value!))),
        }, cancellationToken);

    // ---- alerts ----

    /// <summary>Hits are plate data: every page shown is audited with the alert ids in it.</summary>
    private static async Task<Results<Ok<AlertPage>, ProblemHttpResult>> ListAsync(string? status, long? after, int? limit, HttpContext http, AlertStore store, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (status is not (null or AlertStatus.New or AlertStatus.Verified or AlertStatus.Rejected)) return Problem($"status must be new, verified or rejected; got '{status}'.");
        int n = limit ?? 100;
        if (n is < 1 or > 1000) return Problem($"limit must be 1 to 1000; got {n}.");
        var who = http.User.Principal();
        var alerts = await store.AlertsAsync(who.AgencyId, status, after ?? 0, n, cancellationToken).ConfigureAwait(false);
        await AuditAsync(audit, who, "alerts.view", "ok", http.Source(), null, null, [.. alerts.Select(x => x.Content.Id)], cancellationToken, ("status", status)).ConfigureAwait(false);
        return TypedResults.Ok(new AlertPage(alerts.Count, alerts.Count == n ? alerts[^1].Sequence : null, alerts));
    }

    /// <summary>
    /// One alert. For a user holding the registration grant, the registration records of the listed plate come with
    /// it, as a lookup under the entry's case (audited as such).
    /// </summary>
    private static async Task<Results<Ok<AlertDetail>, ProblemHttpResult>> GetAsync(string id, HttpContext http, AlertStore store, IAuditLog audit, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        var found = await store.GetAlertAsync(id, cancellationToken).ConfigureAwait(false);
        if (found is not { } f || f.AgencyId != who.AgencyId) return NotFound(id);
        var entry = f.Alert.Content.Entry;
        await AuditAsync(audit, who, "alerts.view", "ok", http.Source(), entry.CaseNumber, null, [id], cancellationToken).ConfigureAwait(false);
        List<RegistrationRecord>? registrations = null;
        if (await store.HasRegistrationAccessAsync(who.UserId, cancellationToken).ConfigureAwait(false))
        {
            registrations = await store.RegistrationsAsync(entry.Plate, entry.Region.Length > 0 ? entry.Region : null, cancellationToken).ConfigureAwait(false);
            await audit.AppendAsync(new AuditRecord
            {
                Actor = who.UserId, AgencyId = who.AgencyId, Role = who.Role, Action = "registration.lookup", Purpose = AlertEngine.PurposeFor(entry.Category),
                PurposeText = $"hit verification, alert {id}", CaseNumber = entry.CaseNumber, Source = http.Source(), ResultCount = registrations.Count,
                RecordIds = [.. registrations.Select(x => $"{x.Region}/{x.Plate}")],
                Parameters = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("plate", entry.Plate), KeyValuePair.Create("alert", id)]),
            }, cancellationToken).ConfigureAwait(false);
        }
        return TypedResults.Ok(new AlertDetail(f.Alert, registrations));
    }

    /// <summary>
    /// Server-Sent Events: "alert", "back-search" and "alarm" events for the caller's agency. With Last-Event-ID, the
    /// alerts after that sequence are replayed from the store first, so a reconnecting client misses nothing. The
    /// stream ends with an "expired" event when the bearer token expires: a feed must not outlive the token that
    /// opened it, and the client reconnects with a new token and its Last-Event-ID.
    /// </summary>
    private static ServerSentEventsResult<object> Feed(HttpContext http, LiveFeed feed, AlertStore store, IAuditLog audit, TimeProvider time)
    {
        var who = http.User.Principal();
        long.TryParse(http.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long lastId);
        var expiresAt = http.User.TokenExpiresAt() ?? DateTimeOffset.MaxValue;
        return TypedResults.ServerSentEvents(Events(who, lastId, http.Source(), expiresAt, time, feed, store, audit, http.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<object>> Events(Principal who, long lastId, string source, DateTimeOffset expiresAt, TimeProvider time, LiveFeed feed,
        AlertStore store, IAuditLog audit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (reader, registration) = feed.Subscribe(who.AgencyId);
        using var expiry = expiresAt == DateTimeOffset.MaxValue ? new CancellationTokenSource()
            : new CancellationTokenSource(Clamp(expiresAt - time.GetUtcNow()), time);
        using (registration)
        {
            await AuditAsync(audit, who, "alerts.feed", "ok", source, null, null, [], cancellationToken, ("lastEventId", lastId.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
            // An event first, so the client knows it is connected before any alert arrives.
            yield return new SseItem<object>(new { agency = who.AgencyId, tokenExpiresAt = expiresAt == DateTimeOffset.MaxValue ? (DateTimeOffset?)null : expiresAt }, "connected");
            long seen = lastId;
            if (lastId > 0)
            {
                foreach (var a in await store.AlertsAsync(who.AgencyId, null, lastId, 1000, cancellationToken).ConfigureAwait(false))
                {
                    seen = a.Sequence;
                    yield return Item(new FeedEvent(a.Sequence, a.Content.Historical ? "back-search" : "alert", a.Content));
                }
            }
            while (!expiry.IsCancellationRequested && await WaitAsync(reader, expiry.Token, cancellationToken).ConfigureAwait(false))
            {
                while (!expiry.IsCancellationRequested && reader.TryRead(out var e))
                {
                    if (e.Sequence != 0 && e.Sequence <= seen) continue;
                    yield return Item(e);
                }
            }
            if (expiry.IsCancellationRequested)
                yield return new SseItem<object>(new { reason = "The token expired: sign in again and reconnect with Last-Event-ID to get what was missed." }, "expired");
        }
    }

    private static TimeSpan Clamp(TimeSpan untilExpiry) =>
        untilExpiry <= TimeSpan.Zero ? TimeSpan.Zero : untilExpiry > TimeSpan.FromDays(24) ? TimeSpan.FromDays(24) : untilExpiry;

    /// <summary>False when the token expired (or the feed was closed); the client going away still cancels.</summary>
    private static async ValueTask<bool> WaitAsync(System.Threading.Channels.ChannelReader<FeedEvent> reader, CancellationToken expiry, CancellationToken aborted)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(expiry, aborted);
        try
        {
            return await reader.WaitToReadAsync(both.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            return false;
        }
    }

    private static SseItem<object> Item(FeedEvent e) =>
        new(e.Data, e.Type) { EventId = e.Sequence > 0 ? e.Sequence.ToString(CultureInfo.InvariantCulture) : null };

    private static async Task<Results<Ok<AlertView>, ProblemHttpResult>> VerifyAsync(string id, VerifyRequest request, HttpContext http, AlertStore store, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        var found = await store.GetAlertAsync(id, cancellationToken).ConfigureAwait(false);
        if (found is not { } f || f.AgencyId != who.AgencyId) return NotFound(id);
        var alert = f.Alert;
        async Task<ProblemHttpResult> RefuseAsync(string why, int status)
        {
            await AuditAsync(audit, who, "alert.verify", "denied", http.Source(), alert.Content.Entry.CaseNumber, why, [id], cancellationToken).ConfigureAwait(false);
            return Problem(why, status);
        }
        if (alert.Status != AlertStatus.New) return await RefuseAsync($"the alert is already {alert.Status}.", StatusCodes.Status409Conflict).ConfigureAwait(false);
        if (request.EntryRecheckedActive != true)
            return await RefuseAsync("verification needs the explicit recheck that the hotlist entry is still active with its source: send entryRecheckedActive: true.", StatusCodes.Status400BadRequest).ConfigureAwait(false);
        if (request.PlateCompared != true)
            return await RefuseAsync("verification needs the plate image compared with the listed plate and state: send plateCompared: true.", StatusCodes.Status400BadRequest).ConfigureAwait(false);
        // Our own copy must agree: an entry removed, expired or switched off since the hit cannot be verified.
        var now = time.GetUtcNow();
        var entry = await store.GetEntryAsync(alert.Content.Entry.Id, cancellationToken).ConfigureAwait(false);
        var off = await store.CategoriesOffAsync(cancellationToken).ConfigureAwait(false);
        string? inactive = entry is null ? "the entry has been removed from the list"
            : entry.IsExpired(now) ? $"the entry expired {entry.ExpiresAt:O}"
            : new CategorySwitches(off).IsOff(who.AgencyId, entry.Category) ? $"category '{entry.Category}' is switched off"
            : null;
        if (inactive is not null)
            return await RefuseAsync($"The entry is no longer active ({inactive}); reject the alert with reason expired-entry.", StatusCodes.Status409Conflict).ConfigureAwait(false);
        if (!await store.DecideAsync(id, AlertStatus.Verified, who.UserId, now, null, Bound(request.Note), cancellationToken).ConfigureAwait(false))
            return await RefuseAsync("the alert was decided by someone else meanwhile.", StatusCodes.Status409Conflict).ConfigureAwait(false);
        await AuditAsync(audit, who, "alert.verify", "ok", http.Source(), alert.Content.Entry.CaseNumber, Bound(request.Note), [id], cancellationToken,
            ("plateCompared", "true"), ("entryRecheckedActive", "true")).ConfigureAwait(false);
        return TypedResults.Ok((await store.GetAlertAsync(id, cancellationToken).ConfigureAwait(false))!.Value.Alert);
    }

    private static string? Bound(string? note) => note is null ? null : note.Length > 1000 ? note[..1000] : note;

    private static async Task<Results<Ok<AlertView>, ProblemHttpResult>> RejectAsync(string id, RejectRequest request, HttpContext http, AlertStore store, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        var found = await store.GetAlertAsync(id, cancellationToken).ConfigureAwait(false);
        if (found is not { } f || f.AgencyId != who.AgencyId) return NotFound(id);
        string? reason = request.Reason?.Trim().ToLowerInvariant();
        if (reason is null || !RejectReasons.All.Contains(reason)) return Problem($"reason must be one of {string.Join(", ", RejectReasons.All)}; got '{request.Reason}'.");
        if (!await store.DecideAsync(id, AlertStatus.Rejected, who.UserId, time.GetUtcNow(), reason, Bound(request.Note), cancellationToken).ConfigureAwait(false))
        {
            await AuditAsync(audit, who, "alert.reject", "denied", http.Source(), f.Alert.Content.Entry.CaseNumber, $"the alert is already {f.Alert.Status}", [id], cancellationToken).ConfigureAwait(false);
            return Problem($"the alert is already {f.Alert.Status}.", StatusCodes.Status409Conflict);
        }
        await AuditAsync(audit, who, "alert.reject", "ok", http.Source(), f.Alert.Content.Entry.CaseNumber, Bound(request.Note), [id], cancellationToken, ("reason", reason)).ConfigureAwait(false);
        return TypedResults.Ok((await store.GetAlertAsync(id, cancellationToken).ConfigureAwait(false))!.Value.Alert);
    }

    private static async Task<Results<Ok<AlertView>, ProblemHttpResult>> OutcomeAsync(string id, OutcomeRequest request, HttpContext http, AlertStore store, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        var found = await store.GetAlertAsync(id, cancellationToken).ConfigureAwait(false);
        if (found is not { } f || f.AgencyId != who.AgencyId) return NotFound(id);
        string? outcome = request.Outcome?.Trim().ToLowerInvariant();
        if (outcome is null || !Outcomes.All.Contains(outcome)) return Problem($"outcome must be one of {string.Join(", ", Outcomes.All)}; got '{request.Outcome}'.");
        if (!await store.RecordOutcomeAsync(id, outcome, who.UserId, time.GetUtcNow(), Bound(request.Note), cancellationToken).ConfigureAwait(false))
        {
            string why = f.Alert.Status != AlertStatus.Verified ? $"only a verified alert takes an outcome; this one is {f.Alert.Status}." : "the outcome is already recorded.";
            await AuditAsync(audit, who, "alert.outcome", "denied", http.Source(), f.Alert.Content.Entry.CaseNumber, why, [id], cancellationToken).ConfigureAwait(false);
            return Problem(why, StatusCodes.Status409Conflict);
        }
        await AuditAsync(audit, who, "alert.outcome", "ok", http.Source(), f.Alert.Content.Entry.CaseNumber, Bound(request.Note), [id], cancellationToken, ("outcome", outcome)).ConfigureAwait(false);
        return TypedResults.Ok((await store.GetAlertAsync(id, cancellationToken).ConfigureAwait(false))!.Value.Alert);
    }

    private static async Task<Ok<MetricsDto>> MetricsAsync(HttpContext http, AlertStore store, CancellationToken cancellationToken)
    {
        string agency = http.User.Principal().AgencyId;
        static MetricDto Dto(AlertStore.MetricRow m) => new(m.Key, m.Total, m.Verified, m.Rejected, m.Total - m.Verified - m.Rejected,
            m.Total == 0 ? 0 : (double)m.Verified / m.Total, m.MedianSecondsToDecision);
        var byList = await store.MetricsAsync(agency, byCamera: false, cancellationToken).ConfigureAwait(false);
        var byCamera = await store.MetricsAsync(agency, byCamera: true, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new MetricsDto([.. byList.Select(Dto)], [.. byCamera.Select(Dto)]));
    }

    /// <summary>Admins see their agency's deliveries, dead letters by default.</summary>
    private static async Task<Ok<List<DeliveryView>>> DeliveriesAsync(string? status, string? alertId, HttpContext http, AlertStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.DeliveriesAsync(http.User.Principal().AgencyId, status ?? DeliveryStatus.Dead, alertId, 1000, cancellationToken).ConfigureAwait(false));

    private static async Task<Results<NoContent, ProblemHttpResult>> RetryAsync(string id, string subscription, HttpContext http, AlertStore store, AlertDispatcher dispatcher,
        IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        var found = await store.GetAlertAsync(id, cancellationToken).ConfigureAwait(false);
        if (found is not { } f || f.AgencyId != who.AgencyId) return NotFound(id);
        if (!await store.RequeueAsync(id, subscription, time.GetUtcNow(), cancellationToken).ConfigureAwait(false)) return Problem("only a dead-lettered delivery can be retried.", StatusCodes.Status409Conflict);
        await AuditAsync(audit, who, "alert.delivery.retry", "ok", http.Source(), null, null, [id], cancellationToken, ("subscription", subscription)).ConfigureAwait(false);
        dispatcher.Wake();
        return TypedResults.NoContent();
    }

    // ---- subscriptions ----

    private static async Task<Ok<List<Subscription>>> SubscriptionsAsync(HttpContext http, AlertStore store, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        return TypedResults.Ok(await store.SubscriptionsAsync(who.AgencyId, who.UserId, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Results<Created<SubscriptionCreated>, ProblemHttpResult>> SubscribeAsync(SubscriptionRequest request, HttpContext http, AlertStore store,
        WebhookSecrets secrets, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        string channel = request.Channel?.Trim().ToLowerInvariant() ?? "";
        if (!AlertChannels.All.Contains(channel)) return Problem($"channel must be one of {string.Join(", ", AlertChannels.All)} (the live feed needs no subscription); got '{request.Channel}'.");
        string target = request.Target?.Trim() ?? "";
        if (target.Length is 0 or > 500) return Problem("target (address, URL or number) must be 1-500 characters.");
        switch (channel)
        {
            case AlertChannels.Email when !MimeKit.MailboxAddress.TryParse(target, out _) || !target.Contains('@', StringComparison.Ordinal):
                return Problem($"'{target}' is not an email address.");
            case AlertChannels.Webhook when !Uri.TryCreate(target, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"):
                return Problem($"'{target}' is not an http(s) URL.");
            case AlertChannels.Webhook or AlertChannels.Sms when who.Role is not (Roles.Supervisor):
                // A webhook or a phone number sends plate data out of the system: a supervisor decides that.
                return Problem("only a supervisor can subscribe a webhook or a phone number.", StatusCodes.Status403Forbidden);
            case AlertChannels.Sms when !target.All(c => char.IsAsciiDigit(c) || c is '+'):
                return Problem($"'{target}' is not a phone number (digits, optionally a leading +).");
        }
        try
        {
            if (request.Area is not null) Platewatch.Geo.Area.Parse(request.Area).Validate();
            var sub = new Subscription
            {
                Id = "sub-" + Guid.NewGuid().ToString("N")[..12],
                Username = who.UserId,
                AgencyId = who.AgencyId,
                Channel = channel,
                Target = target,
                HotlistId = request.HotlistId,
                Category = request.Category is null ? null : HotlistCategories.Parse(request.Category),
                MinPriority = request.MinPriority is { } p ? (p is >= 0 and <= 100 ? p : throw new ArgumentException("minPriority must be 0 to 100.")) : null,
                CameraId = request.CameraId,
                Area = request.Area,
                CreatedAt = time.GetUtcNow(),
            };
            await store.CreateSubscriptionAsync(sub, cancellationToken).ConfigureAwait(false);
            await AuditAsync(audit, who, "subscription.create", "ok", http.Source(), null, null, [sub.Id], cancellationToken,
                ("channel", channel), ("target", target), ("hotlist", sub.HotlistId), ("category", sub.Category), ("camera", sub.CameraId), ("area", sub.Area)).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/subscriptions/{sub.Id}", new SubscriptionCreated(sub, channel == AlertChannels.Webhook ? secrets.For(sub.Id) : null));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            return Problem(ex.Message);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnsubscribeAsync(string id, HttpContext http, AlertStore store, IAuditLog audit, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        if (!await store.DeleteSubscriptionAsync(id, who.UserId, cancellationToken).ConfigureAwait(false)) return NotFound(id);
        await AuditAsync(audit, who, "subscription.delete", "ok", http.Source(), null, null, [id], cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    // ---- registrations ----

    /// <summary>Personal data: needs a search role, a grant of its own, a purpose and a case; every lookup (and refusal) is audited.</summary>
    private static async Task<Results<Ok<RegistrationLookup>, ProblemHttpResult>> LookupAsync(string? plate, string? region, string? purpose, string? caseNumber,
        HttpContext http, AlertStore store, IAuditLog audit, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        string normalized = Platewatch.Plates.PlateText.Normalize(plate ?? "");
        (string, string?)[] parameters = [("plate", normalized), ("region", region)];
        async Task<ProblemHttpResult> RefuseAsync(string why, int status)
        {
            await AuditAsync(audit, who, "registration.lookup", "denied", http.Source(), caseNumber, why, [], cancellationToken, parameters).ConfigureAwait(false);
            return Problem(why, status);
        }
        if (!await store.HasRegistrationAccessAsync(who.UserId, cancellationToken).ConfigureAwait(false))
            return await RefuseAsync("registration lookup needs its own permission; an admin grants it (PUT /api/v1/registrations/access/{username}).", StatusCodes.Status403Forbidden).ConfigureAwait(false);
        if (!Platewatch.Plates.PlateText.IsNormalized(normalized)) return await RefuseAsync("plate is required (1-12 letters or digits).", StatusCodes.Status400BadRequest).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(purpose) || string.IsNullOrWhiteSpace(caseNumber) || purpose.Length > 64 || caseNumber.Length > 64)
            return await RefuseAsync("purpose and caseNumber are required.", StatusCodes.Status400BadRequest).ConfigureAwait(false);
        var records = await store.RegistrationsAsync(normalized, string.IsNullOrWhiteSpace(region) ? null : region.Trim().ToUpperInvariant(), cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(new AuditRecord
        {
            Actor = who.UserId, AgencyId = who.AgencyId, Role = who.Role, Action = "registration.lookup", Purpose = purpose, CaseNumber = caseNumber, Source = http.Source(),
            ResultCount = records.Count, RecordIds = [.. records.Select(x => $"{x.Region}/{x.Plate}")],
            Parameters = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, parameters.Where(p => p.Item2 is not null).Select(p => KeyValuePair.Create(p.Item1, p.Item2!))),
        }, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new RegistrationLookup(records.Count, records));
    }

    internal sealed record RegistrationImportResponse(int Imported, IReadOnlyList<ImportProblem> Problems);

    private static async Task<Results<Ok<RegistrationImportResponse>, ProblemHttpResult>> ImportRegistrationsAsync(RegistrationImportRequest request, HttpContext http, AlertStore store,
        IAuditLog audit, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Content)) return Problem("content (the CSV text) is required.");
        var who = http.User.Principal();
        try
        {
            var (records, problems) = await RegistrationCsv.ReadAsync(new StringReader(request.Content), cancellationToken).ConfigureAwait(false);
            await store.UpsertRegistrationsAsync(records, cancellationToken).ConfigureAwait(false);
            await AuditAsync(audit, who, "registration.import", "ok", http.Source(), null, problems.Count == 0 ? null : $"{problems.Count} bad rows", [], cancellationToken,
                ("imported", records.Count.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
            return TypedResults.Ok(new RegistrationImportResponse(records.Count, problems));
        }
        catch (FormatException ex)
        {
            return Problem(ex.Message);
        }
    }

    private static Task<Results<NoContent, ProblemHttpResult>> GrantAsync(string username, HttpContext http, AlertStore store, AccountStore accounts, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken) =>
        SetAccessAsync(username, true, http, store, accounts, audit, time, cancellationToken);

    private static Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string username, HttpContext http, AlertStore store, AccountStore accounts, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken) =>
        SetAccessAsync(username, false, http, store, accounts, audit, time, cancellationToken);

    private static async Task<Results<NoContent, ProblemHttpResult>> SetAccessAsync(string username, bool grant, HttpContext http, AlertStore store, AccountStore accounts, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        var user = await accounts.FindUserAsync(username, cancellationToken).ConfigureAwait(false);
        if (user is null || user.AgencyId != who.AgencyId) return NotFound(username);
        await store.SetRegistrationAccessAsync(username, grant, who.UserId, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        await AuditAsync(audit, who, grant ? "registration.access.grant" : "registration.access.revoke", "ok", http.Source(), null, null, [], cancellationToken, ("user", username)).ConfigureAwait(false);
        return TypedResults.NoContent();
    }
}
