using System.Collections.Immutable;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Platewatch.Audit;
using Platewatch.Formats;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Query;
using Platewatch.Reads;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Apis;

/// <summary>The query string of a search or export. Everything is text here so that a bad value gets a clear 400.</summary>
internal sealed class SearchParameters
{
    [FromQuery] public string? Plate { get; init; }
    /// <summary>exact, wildcard or fuzzy; by default wildcard when the plate has '?' or '*', else exact.</summary>
    [FromQuery] public string? Match { get; init; }
    [FromQuery] public int? Edits { get; init; }
    [FromQuery] public string? From { get; init; }
    [FromQuery] public string? To { get; init; }
    /// <summary>radius:LAT,LON,METRES | bbox:MINLAT,MINLON,MAXLAT,MAXLON | polygon:LAT,LON;LAT,LON;...</summary>
    [FromQuery] public string? Area { get; init; }
    [FromQuery] public string[]? Camera { get; init; }
    [FromQuery] public string? MinConfidence { get; init; }
    [FromQuery] public int? Limit { get; init; }
    [FromQuery] public string? After { get; init; }
    [FromQuery] public string? Purpose { get; init; }
    [FromQuery] public string? PurposeText { get; init; }
    [FromQuery] public string? CaseNumber { get; init; }

    /// <summary>Every parameter as given, bounded, for the audit entry of a refused request.</summary>
    public ImmutableSortedDictionary<string, string> Describe()
    {
        var d = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        void Add(string k, string? v) { if (v is not null) d[k] = v.Length > 200 ? v[..200] : v; }
        Add("plate", Plate); Add("match", Match); Add("edits", Edits?.ToString(CultureInfo.InvariantCulture));
        Add("from", From); Add("to", To); Add("area", Area);
        Add("cameras", Camera is null ? null : string.Join(',', Camera));
        Add("minConfidence", MinConfidence); Add("limit", Limit?.ToString(CultureInfo.InvariantCulture)); Add("after", After);
        return d.ToImmutable();
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the parameter that is wrong.</summary>
    public ReadQuery ToQuery(DateTimeOffset now, int maxLimit)
    {
        var to = To is null ? now : Time(To, "to");
        var from = From is null ? to - TimeSpan.FromDays(30) : Time(From, "from");
        var plate = Plate is null ? null : PlatePattern.Parse(Plate, Match, Edits ?? 1);
        float minConfidence = 0;
        if (MinConfidence is not null && !float.TryParse(MinConfidence, NumberStyles.Float, CultureInfo.InvariantCulture, out minConfidence))
            throw new ArgumentException($"minConfidence '{MinConfidence}' is not a number between 0 and 1.");
        int limit = Limit ?? 100;
        if (limit < 1 || limit > maxLimit) throw new ArgumentException($"limit must be 1 to {maxLimit}; got {limit}.");
        if (Plate is null && Area is null && (Camera is null || Camera.Length == 0))
            throw new ArgumentException("Say what to search for: plate, area or camera.");
        return new ReadQuery
        {
            Range = new TimeRange(from, to),
            Plate = plate,
            Area = Area is null ? null : Geo.Area.Parse(Area),
            Cameras = Camera is null ? [] : [.. Camera],
            MinConfidence = minConfidence,
            Limit = limit,
            After = After is null ? null : ReadCursor.Parse(After),
        };
    }

    private static DateTimeOffset Time(string s, string name) => TimeRange.ParseInstant(s, name);
}

internal sealed record SearchResponse(int Count, string? Next, IReadOnlyList<ReadDto> Reads);

/// <summary>
/// <c>GET /api/v1/reads</c> and <c>GET /api/v1/reads/export</c>: searches through <see cref="ReadQueryService"/>,
/// which applies the owners' policies and audits the ids returned before anything is released.
/// </summary>
internal static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reads", SearchAsync).RequireAuthorization(Policies.Search).WithTags("search");
        app.MapGet("/api/v1/reads/export", ExportAsync).RequireAuthorization(Policies.Search).WithTags("search");
        return app;
    }

    private static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SearchAsync(
        [AsParameters] SearchParameters p, HttpContext http, DataDirectory data, IOptions<LimitOptions> limits, TimeProvider time, CancellationToken cancellationToken)
    {
        var run = await RunAsync(p, ReadQueryService.SearchAction, http, data, limits.Value, time, cancellationToken).ConfigureAwait(false);
        if (run.Problem is not null) return run.Problem;
        var page = run.Page!;
        return TypedResults.Ok(new SearchResponse(page.Reads.Length, page.Next?.ToString(), [.. page.Reads.Select(ReadMapping.ToDto)]));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(
        [AsParameters] SearchParameters p, [FromQuery] string? format, HttpContext http, DataDirectory data, IOptions<LimitOptions> limits, TimeProvider time, CancellationToken cancellationToken)
    {
        string fmt = (format ?? "csv").ToLowerInvariant();
        if (fmt is not ("csv" or "geojson" or "kml"))
            return TypedResults.Problem($"format must be csv, geojson or kml; got '{format}'.", statusCode: StatusCodes.Status400BadRequest);
        var run = await RunAsync(p, ReadQueryService.ExportAction, http, data, limits.Value, time, cancellationToken).ConfigureAwait(false);
        if (run.Problem is not null) return run.Problem;
        var (bytes, contentType) = ReadExport.Write(run.Page!, fmt);
        return TypedResults.File(bytes, contentType, $"reads-{p.CaseNumber}.{fmt}");
    }

    private sealed record Run(ReadPage? Page, ProblemHttpResult? Problem);

    private static async Task<Run> RunAsync(SearchParameters p, string action, HttpContext http, DataDirectory data, LimitOptions limits, TimeProvider time, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        ReadQuery query;
        string? refusal = string.IsNullOrWhiteSpace(p.Purpose) ? "purpose is required: say why you are searching (e.g. stolen-vehicle)"
            : string.IsNullOrWhiteSpace(p.CaseNumber) ? "caseNumber is required: every search must name its case or incident number"
            : null;
        try
        {
            query = p.ToQuery(time.GetUtcNow(), limits.MaxSearchLimit);
            query.Validate();
        }
        catch (ArgumentException ex)
        {
            refusal ??= ex.Message;
            query = null!;
        }
        if (refusal is not null)
        {
            await RefusalAudit.AppendAsync(data.Audit, http, action, p.Purpose, p.PurposeText, p.CaseNumber, p.Describe(), refusal, cancellationToken).ConfigureAwait(false);
            return new Run(null, TypedResults.Problem(refusal, statusCode: StatusCodes.Status400BadRequest, title: "Invalid search"));
        }
        var queries = await data.QueriesAsync(cancellationToken).ConfigureAwait(false);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var page = await queries.SearchAsync(who, new AccessPurpose(p.Purpose!, p.CaseNumber!, p.PurposeText), query, http.Source(), action, cancellationToken).ConfigureAwait(false);
            return new Run(page, null);
        }
        catch (AccessDeniedException ex)
        {
            return new Run(null, TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status403Forbidden, title: "Search refused by policy"));
        }
        finally
        {
            ServerMetrics.QueryDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                new KeyValuePair<string, object?>("action", action));
        }
    }
}
