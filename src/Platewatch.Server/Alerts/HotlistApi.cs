using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Platewatch.Alerts.Hotlists;
using Platewatch.Query;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Alerts;

internal sealed record HotlistDto(string Id, string AgencyId, string Name, string Source, double RefreshIntervalHours, DateTimeOffset RefreshedAt, bool Stale);

internal sealed record CreateHotlistRequest(string? Name, string? Source, double? RefreshIntervalHours);

/// <summary>A PATCH: only the fields given change.</summary>
internal sealed record UpdateHotlistRequest(string? Name, string? Source, double? RefreshIntervalHours);

internal sealed record EntryRequest(string? Plate, string? Region, string? Category, string? Reason, string? CaseNumber, int? Priority, DateTimeOffset? ExpiresAt,
    string? Make, string? Model, string? Colour, string? Type);

internal sealed record EntryDto(long Id, string HotlistId, string Plate, string Region, string Category, string Reason, string CaseNumber, int Priority,
    string AddedBy, DateTimeOffset AddedAt, DateTimeOffset? ExpiresAt, VehicleDescription? Vehicle);

internal sealed record AddEntryResponse(EntryDto Entry, int BackSearchHits, IReadOnlyList<string> BackSearchAlertIds, string? BackSearchRefused);

/// <summary>
/// An import: the file's text in <c>content</c>; <c>format</c> is csv (our columns) or ncic (the default or given
/// <c>layout</c>, see <see cref="NcicLayout"/>). The good rows replace the list's contents.
/// </summary>
internal sealed record ImportRequest(string? Format, string? Content, System.Text.Json.JsonElement? Layout);

internal sealed record ImportResponse(int Imported, int SwitchedOff, IReadOnlyList<ImportProblem> Problems, ImportBackSearch BackSearch);

internal sealed record CategoriesDto(IReadOnlyList<string> Known, IReadOnlyList<string> Off);

/// <summary>Hotlists: lists, entries, imports, category switches and stale-list alarms, for the caller's agency.</summary>
internal static class HotlistApi
{
    public static IEndpointRouteBuilder MapHotlistEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/hotlists").WithTags("hotlists");
        g.MapGet("", ListAsync).RequireAuthorization(AlertPolicies.HotlistRead);
        g.MapPost("", CreateAsync).RequireAuthorization(AlertPolicies.HotlistManage);
        g.MapPatch("/{id}", UpdateAsync).RequireAuthorization(AlertPolicies.HotlistManage);
        g.MapDelete("/{id}", DeleteAsync).RequireAuthorization(AlertPolicies.HotlistManage);
        g.MapGet("/{id}/entries", EntriesAsync).RequireAuthorization(AlertPolicies.HotlistRead);
        g.MapPost("/{id}/entries", AddEntryAsync).RequireAuthorization(AlertPolicies.HotlistManage);
        g.MapPut("/{id}/entries/{entryId:long}", UpdateEntryAsync).RequireAuthorization(AlertPolicies.HotlistManage);
        g.MapDelete("/{id}/entries/{entryId:long}", DeleteEntryAsync).RequireAuthorization(AlertPolicies.HotlistManage);
        g.MapPost("/{id}/import", ImportAsync).RequireAuthorization(AlertPolicies.HotlistManage);
        g.MapGet("/categories", CategoriesAsync).RequireAuthorization(AlertPolicies.HotlistRead);
        g.MapPut("/categories", SetCategoriesAsync).RequireAuthorization(AlertPolicies.HotlistManage);
        g.MapGet("/alarms", AlarmsAsync).RequireAuthorization(AlertPolicies.HotlistRead);
        return app;
    }

    internal static ProblemHttpResult Problem(string detail, int status = StatusCodes.Status400BadRequest) => TypedResults.Problem(detail, statusCode: status);

    private static HotlistDto Dto(Hotlist h, DateTimeOffset now) => new(h.Id, h.AgencyId, h.Name, h.Source, h.RefreshInterval.TotalHours, h.RefreshedAt, h.IsStale(now));

    private static EntryDto Dto(HotlistEntry e) => new(e.Id, e.HotlistId, e.Plate, e.Region, e.Category, e.Reason, e.CaseNumber, e.Priority, e.AddedBy, e.AddedAt, e.ExpiresAt, e.Vehicle);

    private static HotlistEntry Entry(EntryRequest r) => new()
    {
        HotlistId = "",
        Plate = r.Plate ?? "",
        Region = r.Region ?? "",
        Category = r.Category ?? "",
        Reason = r.Reason ?? "",
        CaseNumber = r.CaseNumber ?? "",
        Priority = r.Priority ?? 50,
        AddedBy = "",
        AddedAt = DateTimeOffset.MinValue,
        ExpiresAt = r.ExpiresAt,
        Vehicle = new VehicleDescription(r.Make, r.Model, r.Colour, r.Type),
    };

    private static async Task<Ok<List<HotlistDto>>> ListAsync(HttpContext http, HotlistService hotlists, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var lists = await hotlists.Store.ListHotlistsAsync(http.User.Principal().AgencyId, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(lists.Select(h => Dto(h, now)).ToList());
    }

    private static async Task<Results<Created<HotlistDto>, ProblemHttpResult>> CreateAsync(CreateHotlistRequest request, HttpContext http, HotlistService hotlists, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            var list = await hotlists.CreateAsync(http.User.Principal(), request.Name ?? "", request.Source ?? "", TimeSpan.FromHours(request.RefreshIntervalHours ?? 24), http.Source(), cancellationToken).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/hotlists/{list.Id}", Dto(list, time.GetUtcNow()));
        }
        catch (ArgumentException ex)
        {
            return Problem(ex.Message);
        }
    }

    private static async Task<Results<Ok<HotlistDto>, ProblemHttpResult>> UpdateAsync(string id, UpdateHotlistRequest request, HttpContext http, HotlistService hotlists, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (request.RefreshIntervalHours is { } h && (!double.IsFinite(h) || h <= 0 || h > 366 * 24)) return Problem("refreshIntervalHours must be more than 0 and at most a year.");
        try
        {
            var list = await hotlists.UpdateAsync(http.User.Principal(), id, request.Name, request.Source,
                request.RefreshIntervalHours is { } hours ? TimeSpan.FromHours(hours) : null, http.Source(), cancellationToken).ConfigureAwait(false);
            return list is null ? NotFound(id) : TypedResults.Ok(Dto(list, time.GetUtcNow()));
        }
        catch (ArgumentException ex)
        {
            return Problem(ex.Message);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext http, HotlistService hotlists, CancellationToken cancellationToken) =>
        await hotlists.DeleteAsync(http.User.Principal(), id, http.Source(), cancellationToken).ConfigureAwait(false) ? TypedResults.NoContent() : NotFound(id);

    internal static ProblemHttpResult NotFound(string what) => Problem($"'{what}' does not exist in your agency.", StatusCodes.Status404NotFound);

    private static async Task<Hotlist?> OwnListAsync(string id, HttpContext http, HotlistService hotlists, CancellationToken cancellationToken) =>
        await hotlists.Store.GetHotlistAsync(id, http.User.Principal().AgencyId, cancellationToken).ConfigureAwait(false);

    private static async Task<Results<Ok<List<EntryDto>>, ProblemHttpResult>> EntriesAsync(string id, string? plate, int? limit, HttpContext http, HotlistService hotlists, CancellationToken cancellationToken)
    {
        if (await OwnListAsync(id, http, hotlists, cancellationToken).ConfigureAwait(false) is null) return NotFound(id);
        var entries = await hotlists.Store.EntriesAsync(id, plate is null ? null : Plates.PlateText.Normalize(plate), Math.Clamp(limit ?? 1000, 1, 10_000), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(entries.Select(Dto).ToList());
    }

    private static async Task<Results<Created<AddEntryResponse>, ProblemHttpResult>> AddEntryAsync(
        string id, EntryRequest request, HttpContext http, HotlistService hotlists, AlertEngine engine, DataDirectory data, CancellationToken cancellationToken)
    {
        var list = await OwnListAsync(id, http, hotlists, cancellationToken).ConfigureAwait(false);
        if (list is null) return NotFound(id);
        var who = http.User.Principal();
        HotlistEntry entry;
        try
        {
            entry = await hotlists.AddEntryAsync(who, list, Entry(request), http.Source(), cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return Problem(ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            return Problem(ex.Message, StatusCodes.Status409Conflict);
        }
        // The back-search is a search of reads: it passes the gate like any other, and is refused like any other.
        IReadOnlyList<string> found = [];
        string? refused = null;
        try
        {
            found = await engine.BackSearchAsync(who, list, entry, await data.QueriesAsync(cancellationToken).ConfigureAwait(false), http.Source(), cancellationToken).ConfigureAwait(false);
        }
        catch (AccessDeniedException ex)
        {
            refused = ex.Message;
        }
        return TypedResults.Created($"/api/v1/hotlists/{id}/entries/{entry.Id}", new AddEntryResponse(Dto(entry), found.Count, found, refused));
    }

    private static async Task<Results<Ok<EntryDto>, ProblemHttpResult>> UpdateEntryAsync(
        string id, long entryId, EntryRequest request, HttpContext http, HotlistService hotlists, CancellationToken cancellationToken)
    {
        var list = await OwnListAsync(id, http, hotlists, cancellationToken).ConfigureAwait(false);
        if (list is null) return NotFound(id);
        try
        {
            var e = await hotlists.UpdateEntryAsync(http.User.Principal(), list, entryId, Entry(request), http.Source(), cancellationToken).ConfigureAwait(false);
            return e is null ? NotFound($"{id}/{entryId}") : TypedResults.Ok(Dto(e));
        }
        catch (ArgumentException ex)
        {
            return Problem(ex.Message);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteEntryAsync(string id, long entryId, HttpContext http, HotlistService hotlists, CancellationToken cancellationToken)
    {
        var list = await OwnListAsync(id, http, hotlists, cancellationToken).ConfigureAwait(false);
        if (list is null) return NotFound(id);
        return await hotlists.DeleteEntryAsync(http.User.Principal(), list, entryId, http.Source(), cancellationToken).ConfigureAwait(false) ? TypedResults.NoContent() : NotFound($"{id}/{entryId}");
    }

    private static async Task<Results<Ok<ImportResponse>, ProblemHttpResult>> ImportAsync(
        string id, ImportRequest request, HttpContext http, HotlistService hotlists, AlertEngine engine, DataDirectory data, CancellationToken cancellationToken)
    {
        var list = await OwnListAsync(id, http, hotlists, cancellationToken).ConfigureAwait(false);
        if (list is null) return NotFound(id);
        if (string.IsNullOrEmpty(request.Content)) return Problem("content (the file's text) is required.");
        try
        {
            var layout = request.Layout is { ValueKind: System.Text.Json.JsonValueKind.Object } l ? NcicLayout.FromJson(l.GetRawText()) : null;
            var who = http.User.Principal();
            var result = await hotlists.ImportAsync(who, list, (request.Format ?? "csv").ToLowerInvariant(), new StringReader(request.Content), layout, http.Source(), cancellationToken).ConfigureAwait(false);
            var back = await engine.BackSearchImportAsync(who, list, result.Added, await data.QueriesAsync(cancellationToken).ConfigureAwait(false), http.Source(), cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new ImportResponse(result.Entries.Length, result.SwitchedOff, result.Problems, back));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            return Problem(ex.Message);
        }
    }

    private static async Task<Ok<CategoriesDto>> CategoriesAsync(HttpContext http, HotlistService hotlists, CancellationToken cancellationToken)
    {
        var off = await hotlists.Store.CategoriesOffAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new CategoriesDto(HotlistCategories.Known, off.TryGetValue(http.User.Principal().AgencyId, out var o) ? [.. o.Order(StringComparer.Ordinal)] : []));
    }

    internal sealed record SetCategoriesRequest(IReadOnlyList<string>? Off);

    private static async Task<Results<Ok<CategoriesDto>, ProblemHttpResult>> SetCategoriesAsync(SetCategoriesRequest request, HttpContext http, HotlistService hotlists, CancellationToken cancellationToken)
    {
        if (request.Off is null || request.Off.Count > 100) return Problem("off must list at most 100 categories.");
        try
        {
            await hotlists.SetCategoriesOffAsync(http.User.Principal(), request.Off, http.Source(), cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return Problem(ex.Message);
        }
        return TypedResults.Ok((await CategoriesAsync(http, hotlists, cancellationToken).ConfigureAwait(false)).Value!);
    }

    private static async Task<Ok<List<StaleAlarm>>> AlarmsAsync(HttpContext http, HotlistService hotlists, CancellationToken cancellationToken) =>
        TypedResults.Ok(await hotlists.Store.AlarmsAsync(http.User.Principal().AgencyId, 100, cancellationToken).ConfigureAwait(false));
}
