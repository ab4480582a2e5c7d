using System.Collections.Immutable;
using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platewatch.Analytics;
using Platewatch.Audit;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Query;
using Platewatch.Reads;
using Platewatch.Server.Accounts;
using Platewatch.Server.Apis;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Analytics;

/// <summary>The query string of an analysis. Everything is text here so that a bad value gets a clear 400.</summary>
internal sealed class AnalysisParameters
{
    [FromQuery] public string? Plate { get; init; }
    [FromQuery] public string? From { get; init; }
    [FromQuery] public string? To { get; init; }
    [FromQuery] public string? Purpose { get; init; }
    [FromQuery] public string? PurposeText { get; init; }
    [FromQuery] public string? CaseNumber { get; init; }
    /// <summary>approval:ID, warrant:NUMBER or court-order:NUMBER.</summary>
    [FromQuery] public string? Authorization { get; init; }
    /// <summary>Local time for profiles, e.g. -08:00.</summary>
    [FromQuery] public string? UtcOffset { get; init; }
    [FromQuery] public bool? Exact { get; init; }
    [FromQuery] public double? Radius { get; init; }
    /// <summary>Seconds either side of the target's read.</summary>
    [FromQuery] public int? Window { get; init; }
    [FromQuery] public int? MinDays { get; init; }
    [FromQuery] public double? MinScore { get; init; }
    [FromQuery] public int? K { get; init; }
    /// <summary>Stakeout: AREA@FROM/TO, repeated.</summary>
    [FromQuery] public string[]? Area { get; init; }
    [FromQuery] public int? M { get; init; }
    [FromQuery] public double? MaxKmh { get; init; }

    public ImmutableSortedDictionary<string, string> Describe()
    {
        var d = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        void Add(string k, string? v) { if (v is not null) d[k] = v.Length > 200 ? v[..200] : v; }
        Add("plate", Plate); Add("from", From); Add("to", To); Add("authorization", Authorization);
        Add("k", K?.ToString(CultureInfo.InvariantCulture)); Add("m", M?.ToString(CultureInfo.InvariantCulture));
        Add("areas", Area is null ? null : string.Join(' ', Area.Take(20)));
        return d.ToImmutable();
    }

    public TimeRange Range(DateTimeOffset now, TimeSpan span)
    {
        var to = To is null ? now : TimeRange.ParseInstant(To, "to");
        return new TimeRange(From is null ? to - span : TimeRange.ParseInstant(From, "from"), to);
    }

    public VehicleQuery Vehicle(DateTimeOffset now) => new()
    {
        Plate = Plate is null ? throw new ArgumentException("plate is required.") : PlateText.Normalize(Plate),
        Range = Range(now, TimeSpan.FromDays(30)),
        UtcOffset = Offset(),
        LookAlikes = Exact != true,
    };

    private TimeSpan Offset()
    {
        if (UtcOffset is null) return TimeSpan.Zero;
        string s = UtcOffset.Trim();
        bool negative = s.StartsWith('-');
        return TimeSpan.TryParseExact(s.TrimStart('+', '-'), [@"hh\:mm", "hh"], CultureInfo.InvariantCulture, out var t) && t <= TimeSpan.FromHours(14)
            ? (negative ? -t : t)
            : throw new ArgumentException($"utcOffset '{UtcOffset}' is not an offset: use e.g. -08:00.");
    }

    public StakeoutOptions Stakeout()
    {
        if (Area is null || Area.Length == 0) throw new ArgumentException("area is required: AREA@FROM/TO, repeated for each scene.");
        if (Area.Length > AnalysisRequest.MaxAreas) throw new ArgumentException($"A stakeout takes at most {AnalysisRequest.MaxAreas} areas; got {Area.Length}.");
        var areas = Area.Select(a =>
        {
            int at = a.LastIndexOf('@');
            int slash = at < 0 ? -1 : a.IndexOf('/', at);
            if (at < 0 || slash < 0) throw new ArgumentException($"area '{a}' needs a window: AREA@FROM/TO.");
            return new AreaWindow(Geo.Area.Parse(a[..at]), new TimeRange(TimeRange.ParseInstant(a[(at + 1)..slash], "area from"), TimeRange.ParseInstant(a[(slash + 1)..], "area to")));
        });
        return new StakeoutOptions { Areas = [.. areas], MinAreas = M };
    }
}

/// <summary>A supervisor's approval request: the case it covers, the analyses (empty: all), the tier and how long it lasts.</summary>
internal sealed record ApprovalRequest(string? CaseNumber, string? Tier, string[]? Kinds, int? Days);

internal sealed record ApprovalResponse(string Id, string CaseNumber, string Tier, IReadOnlyList<string> Kinds, DateTimeOffset ExpiresAt);

/// <summary>An approval as listed: <see cref="Status"/> is active, expired or revoked.</summary>
internal sealed record ApprovalView(
    string Id, string CaseNumber, string Tier, IReadOnlyList<string> Kinds, string ApprovedBy, DateTimeOffset? CreatedAt,
    DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, string? RevokedBy, string Status)
{
    public static ApprovalView Of(AnalysisApproval a, DateTimeOffset now) => new(
        a.Id, a.CaseNumber, a.Tier.ToString().ToLowerInvariant(), [.. a.Kinds.Select(AnalysisRequest.Name)], a.ApprovedBy, a.CreatedAt,
        a.ExpiresAt, a.RevokedAt, a.RevokedBy, ApprovalStore.Status(a, now));
}

internal sealed record ApprovalList(int Count, IReadOnlyList<ApprovalView> Approvals);

/// <summary>
/// <c>GET /api/v1/analytics/{kind}</c>: the investigative analyses, through the analytics gate of
/// <see cref="ReadQueryService"/> (purpose, case, authorisation, window; audited with the plates returned), and
/// <c>POST /api/v1/analytics/approvals</c>, where a supervisor records an approval for a case,
/// <c>GET /api/v1/analytics/approvals</c> and <c>GET /api/v1/analytics/approvals/{id}</c>, where supervisors and
/// auditors list or look up their agency's approvals, and
/// <c>POST /api/v1/analytics/approvals/{id}/revoke</c>, where a supervisor withdraws one (as camera keys are revoked).
/// </summary>
internal static class AnalyticsApi
{
    public const int MaxApprovalDays = 90;

    public static IEndpointRouteBuilder MapAnalyticsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/analytics").RequireAuthorization(Policies.Search).WithTags("analytics");
        // Each handler parses its parameters first (a bad value is a 400, audited as rejected) and returns the run.
        g.MapGet("/history", ([AsParameters] AnalysisParameters p, [AsParameters] Ctx c) => Run<HistoryResult>(p, c, now =>
        {
            var q = p.Vehicle(now);
            return (a, who, ct) => a.HistoryAsync(who, q, ct);
        }));
        g.MapGet("/places", ([AsParameters] AnalysisParameters p, [AsParameters] Ctx c) => Run<PlacesResult>(p, c, now =>
        {
            var q = p.Vehicle(now);
            var o = p.Radius is { } r ? new PlacesOptions { RadiusMeters = r } : null;
            return (a, who, ct) => a.PlacesAsync(who, q, o, ct);
        }));
        g.MapGet("/routes", ([AsParameters] AnalysisParameters p, [AsParameters] Ctx c) => Run<RoutesResult>(p, c, now =>
        {
            var q = p.Vehicle(now);
            return (a, who, ct) => a.RoutesAsync(who, q, null, ct);
        }));
        g.MapGet("/associates", ([AsParameters] AnalysisParameters p, [AsParameters] Ctx c) => Run<AssociatesResult>(p, c, now =>
        {
            var q = p.Vehicle(now);
            var d = new AssociatesOptions();
            var o = d with { RadiusMeters = p.Radius ?? d.RadiusMeters, Window = p.Window is { } w ? TimeSpan.FromSeconds(w) : d.Window, MinDays = p.MinDays ?? d.MinDays, MinScore = p.MinScore ?? d.MinScore };
            return (a, who, ct) => a.AssociatesAsync(who, q, o, ct);
        }));
        g.MapGet("/convoy", ([AsParameters] AnalysisParameters p, [AsParameters] Ctx c) => Run<ConvoyResult>(p, c, now =>
        {
            var q = p.Vehicle(now);
            var d = new ConvoyOptions();
            var o = d with { MinCameras = p.K ?? d.MinCameras, Window = p.Window is { } w ? TimeSpan.FromSeconds(w) : d.Window, MinDays = p.MinDays ?? d.MinDays };
            return (a, who, ct) => a.ConvoyAsync(who, q, o, ct);
        }));
        g.MapGet("/stakeout", ([AsParameters] AnalysisParameters p, [AsParameters] Ctx c) => Run<StakeoutResult>(p, c, now =>
        {
            var o = p.Stakeout();
            return (a, who, ct) => a.StakeoutAsync(who, o, ct);
        }));
        g.MapGet("/cloned", ([AsParameters] AnalysisParameters p, [AsParameters] Ctx c) => Run<ClonedResult>(p, c, now =>
        {
            var d = new ClonedOptions { Range = p.Range(now, p.Plate is null ? TimeSpan.FromDays(1) : TimeSpan.FromDays(30)) };
            var o = d with { Plate = p.Plate is null ? null : PlateText.Normalize(p.Plate), MaxSpeedKmh = p.MaxKmh ?? d.MaxSpeedKmh };
            return (a, who, ct) => a.ClonedAsync(who, o, ct);
        }));
        g.MapPost("/approvals", ApproveAsync);
        // Outside the analysts' group: auditors review approvals but run no analysis.
        var reviewers = new AuthorizationPolicyBuilder(TokenAuthenticationHandler.SchemeName).RequireRole(Roles.Supervisor, Roles.Auditor).Build();
        var supervisors = new AuthorizationPolicyBuilder(TokenAuthenticationHandler.SchemeName).RequireRole(Roles.Supervisor).Build();
        var approvals = app.MapGroup("/api/v1/analytics/approvals").WithTags("analytics");
        approvals.MapGet("", ListApprovalsAsync).RequireAuthorization(reviewers);
        approvals.MapGet("/{id}", GetApprovalAsync).RequireAuthorization(reviewers);
        approvals.MapPost("/{id}/revoke", RevokeApprovalAsync).RequireAuthorization(supervisors);
        return app;
    }

    /// <summary>The services every analysis handler needs, bound in one parameter.</summary>
    internal sealed class Ctx
    {
        public required HttpContext Http { get; init; }
        public required DataDirectory Data { get; init; }
        public required TimeProvider Time { get; init; }
        public CancellationToken CancellationToken => Http.RequestAborted;
    }

    private static async Task<Results<Ok<T>, ProblemHttpResult>> Run<T>(
        AnalysisParameters p, Ctx c,
        Func<DateTimeOffset, Func<InvestigativeAnalytics, AnalysisCaller, CancellationToken, Task<T>>> prepare)
    {
        var now = c.Time.GetUtcNow();
        Func<InvestigativeAnalytics, AnalysisCaller, CancellationToken, Task<T>>? analysis = null;
        var who = c.Http.User.Principal();
        string kind = c.Http.Request.Path.Value?.Split('/')[^1] ?? "";
        string? refusal = string.IsNullOrWhiteSpace(p.Purpose) ? "purpose is required: say why you are analysing (e.g. robbery)"
            : string.IsNullOrWhiteSpace(p.CaseNumber) ? "caseNumber is required: every analysis must name its case or incident number"
            : null;
        AnalysisAuthorization? authorization = null;
        try
        {
            if (refusal is null && p.Authorization is not null) authorization = AnalysisAuthorization.Parse(p.Authorization);
            if (refusal is null) analysis = prepare(now);
        }
        catch (ArgumentException ex)
        {
            refusal = ex.Message;
        }
        if (refusal is not null)
        {
            await RefusalAudit.AppendAsync(c.Data.Audit, c.Http, ReadQueryService.AnalyticsActionPrefix + kind, p.Purpose, p.PurposeText, p.CaseNumber,
                p.Describe(), refusal, c.CancellationToken).ConfigureAwait(false);
            return TypedResults.Problem(refusal, statusCode: StatusCodes.Status400BadRequest, title: "Invalid analysis");
        }
        var queries = await c.Data.QueriesAsync(c.CancellationToken).ConfigureAwait(false);
        var caller = new AnalysisCaller(who, new AccessPurpose(p.Purpose!, p.CaseNumber!, p.PurposeText), authorization, c.Http.Source());
        try
        {
            return TypedResults.Ok(await analysis!(new InvestigativeAnalytics(queries), caller, c.CancellationToken).ConfigureAwait(false));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid analysis");
        }
        catch (AccessDeniedException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status403Forbidden, title: "Analysis refused by policy");
        }
        catch (AnalysisTooLargeException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Analysis too large");
        }
    }

    private static async Task<Results<Created<ApprovalResponse>, ProblemHttpResult>> ApproveAsync(
        ApprovalRequest body, HttpContext http, DataDirectory data, TimeProvider time, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        if (who.Role != Roles.Supervisor)
            return TypedResults.Problem("Only a supervisor can approve an analysis.", statusCode: StatusCodes.Status403Forbidden, title: "Not a supervisor");
        string? problem = null;
        var tier = ApprovalTier.Standard;
        var kinds = ImmutableArray.CreateBuilder<AnalysisKind>();
        if (string.IsNullOrWhiteSpace(body.CaseNumber) || body.CaseNumber.Length > 64) problem = "caseNumber is required (1 to 64 characters): an approval covers one case.";
        else if (body.Tier is not null && !Enum.TryParse(body.Tier, ignoreCase: true, out tier)) problem = $"tier must be standard or senior; got '{Bound(body.Tier)}'.";
        else if (body.Days is < 1 or > MaxApprovalDays) problem = $"days must be 1 to {MaxApprovalDays}; got {body.Days}.";
        else if (body.Kinds is { Length: > 7 }) problem = "kinds names at most the seven analyses.";
        else
        {
            foreach (string k in body.Kinds ?? [])
            {
                if (!AnalysisRequest.TryParseKind(k, out var kind)) { problem = $"'{Bound(k)}' is not an analysis: history, places, routes, associates, convoy, stakeout or cloned."; break; }
                kinds.Add(kind);
            }
        }
        if (problem is not null) return TypedResults.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Invalid approval");
        var now = time.GetUtcNow();
        var approval = await data.Approvals.CreateAsync(who.AgencyId, who.UserId, body.CaseNumber!, tier, kinds.ToImmutable(), now.AddDays(body.Days ?? 30), now, cancellationToken).ConfigureAwait(false);
        await data.Audit.AppendAsync(new AuditRecord
        {
            Actor = who.UserId,
            AgencyId = who.AgencyId,
            Role = who.Role,
            Action = "analytics.approve",
            CaseNumber = approval.CaseNumber,
            Source = http.Source(),
            Parameters = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            [
                KeyValuePair.Create("id", approval.Id),
                KeyValuePair.Create("tier", approval.Tier.ToString()),
                KeyValuePair.Create("kinds", string.Join(',', approval.Kinds.Select(AnalysisRequest.Name))),
                KeyValuePair.Create("expires", ApprovalStore.Describe(approval.ExpiresAt)),
            ]),
        }, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/analytics/approvals/{approval.Id}",
            new ApprovalResponse(approval.Id, approval.CaseNumber, approval.Tier.ToString().ToLowerInvariant(), [.. approval.Kinds.Select(AnalysisRequest.Name)], approval.ExpiresAt));
    }

    private static async Task<Results<Ok<ApprovalList>, ProblemHttpResult>> ListApprovalsAsync(
        [FromQuery(Name = "case")] string? caseNumber, int? limit, HttpContext http, DataDirectory data, TimeProvider time, CancellationToken cancellationToken)
    {
        var admin = new ApprovalAdmin(data.Approvals, data.Audit, http.User.Principal(), http.Source());
        try
        {
            var found = await admin.ListAsync(caseNumber, limit ?? ApprovalAdmin.DefaultLimit, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            return TypedResults.Ok(new ApprovalList(found.Count, [.. found.Select(a => ApprovalView.Of(a, now))]));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid approval listing");
        }
    }

    private static async Task<Results<Ok<ApprovalView>, ProblemHttpResult>> GetApprovalAsync(
        string id, HttpContext http, DataDirectory data, TimeProvider time, CancellationToken cancellationToken)
    {
        id = id.Length > 64 ? id[..64] : id;
        var admin = new ApprovalAdmin(data.Approvals, data.Audit, http.User.Principal(), http.Source());
        var found = await admin.FindAsync(id, cancellationToken).ConfigureAwait(false);
        return found is null
            ? TypedResults.Problem($"Your agency has no approval with the id '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "No such approval")
            : TypedResults.Ok(ApprovalView.Of(found, time.GetUtcNow()));
    }

    private static async Task<Results<Ok<ApprovalView>, ProblemHttpResult>> RevokeApprovalAsync(
        string id, HttpContext http, DataDirectory data, TimeProvider time, CancellationToken cancellationToken)
    {
        id = id.Length > 64 ? id[..64] : id;
        var admin = new ApprovalAdmin(data.Approvals, data.Audit, http.User.Principal(), http.Source());
        var now = time.GetUtcNow();
        var result = await admin.RevokeAsync(id, now, cancellationToken).ConfigureAwait(false);
        return result.Outcome switch
        {
            RevokeOutcome.Revoked => TypedResults.Ok(ApprovalView.Of(result.Approval!, now)),
            // The first revocation stands: a second one changes nothing, and says who got there first.
            RevokeOutcome.AlreadyRevoked => TypedResults.Problem(
                $"Approval '{id}' was already revoked at {ApprovalStore.Describe(result.Approval!.RevokedAt!.Value)} by {result.Approval.RevokedBy}.",
                statusCode: StatusCodes.Status409Conflict, title: "Approval already revoked"),
            _ => TypedResults.Problem($"Your agency has no approval with the id '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "No such approval"),
        };
    }

    private static string? Bound(string? s) => RefusalAudit.Bound(s);
}
