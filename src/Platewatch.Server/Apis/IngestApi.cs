using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Platewatch.Formats;
using Platewatch.Reads;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;
using Platewatch.Server.Images;
using Platewatch.Server.Ingest;

namespace Platewatch.Server.Apis;

internal static class IngestStatus
{
    public const string Stored = "stored";
    public const string Duplicate = "duplicate";
    public const string Rejected = "rejected";
}

internal sealed record IngestItemResult(int Index, string? Id, string Status, string? Reason = null);

internal sealed record IngestResponse(int Stored, int Duplicates, int Rejected, IReadOnlyList<IngestItemResult> Results);

/// <summary>
/// The ingest routes: <c>POST /api/v1/reads</c> (our schema: a JSON array, or <c>{"reads":[...]}</c>, or multipart
/// with that JSON in a "reads" part and images in others), <c>/api/v1/ingest/openalpr</c> and
/// <c>/api/v1/ingest/platerecognizer</c>. All answer only after the store has made the batch durable, with
/// each item stored, a duplicate, or rejected with why; all go through <see cref="ReadIntake"/>.
/// </summary>
internal static class IngestApi
{
    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/reads", PostReadsAsync).RequireAuthorization(Policies.Ingest).RequireRateLimiting(PlatewatchServer.IngestLimiter).WithTags("ingest");
        app.MapPost("/api/v1/ingest/openalpr", PostOpenAlprAsync).RequireAuthorization(Policies.Ingest).RequireRateLimiting(PlatewatchServer.IngestLimiter).WithTags("ingest");
        app.MapPost("/api/v1/ingest/platerecognizer", PostPlateRecognizerAsync).RequireAuthorization(Policies.Ingest).RequireRateLimiting(PlatewatchServer.IngestLimiter).WithTags("ingest");
        return app;
    }

    private static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> PostReadsAsync(
        HttpContext http, ReadIntake intake, ImageIntake images, IOptions<LimitOptions> limits, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await IngestBody.ReadAsync(http, limits.Value, images, "reads", cancellationToken).ConfigureAwait(false);
        if (body is null) return problem!;
        using (body)
        {
            var root = body.Json.RootElement;
            var array = root.ValueKind switch
            {
                JsonValueKind.Array => root,
                JsonValueKind.Object when root.TryGetProperty("reads", out var r) && r.ValueKind == JsonValueKind.Array => r,
                _ => default,
            };
            if (array.ValueKind != JsonValueKind.Array)
                return IngestBody.BadRequest("The body must be a JSON array of reads, or an object with a \"reads\" array.");
            int count = array.GetArrayLength();
            if (count > limits.Value.MaxBatch) return IngestBody.TooLarge($"The batch has {count} reads; at most {limits.Value.MaxBatch} are accepted at once.");
            var items = new List<IngestItem>(count);
            foreach (var item in array.EnumerateArray()) items.Add(ParseOurs(item));
            return TypedResults.Ok(await ProcessAsync(items, http.User, intake, images, body.Parts, time.GetUtcNow(), cancellationToken).ConfigureAwait(false));
        }
    }

    private static Task<Results<Ok<IngestResponse>, ProblemHttpResult>> PostOpenAlprAsync(
        HttpContext http, ReadIntake intake, ImageIntake images, IOptions<LimitOptions> limits, TimeProvider time, CancellationToken cancellationToken) =>
        PostThirdPartyAsync((body, sender) => OpenAlprFormat.Parse(body.Json.RootElement, sender), http, intake, images, limits, time, cancellationToken);

    private static Task<Results<Ok<IngestResponse>, ProblemHttpResult>> PostPlateRecognizerAsync(
        HttpContext http, ReadIntake intake, ImageIntake images, IOptions<LimitOptions> limits, TimeProvider time, CancellationToken cancellationToken) =>
        PostThirdPartyAsync((body, sender) => PlateRecognizerFormat.Parse(body.Json.RootElement, sender, body.FirstImageSha), http, intake, images, limits, time, cancellationToken);

    /// <summary>A third-party format: its own parser, then the same limits and intake as our own.</summary>
    private static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> PostThirdPartyAsync(
        Func<IngestBody, IngestSender, List<IngestItem>> parse,
        HttpContext http, ReadIntake intake, ImageIntake images, IOptions<LimitOptions> limits, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await IngestBody.ReadAsync(http, limits.Value, images, "json", cancellationToken).ConfigureAwait(false);
        if (body is null) return problem!;
        using (body)
        {
            var items = parse(body, Sender(http.User));
            if (items.Count > limits.Value.MaxBatch) return IngestBody.TooLarge($"The body holds {items.Count} reads; at most {limits.Value.MaxBatch} are accepted at once.");
            return TypedResults.Ok(await ProcessAsync(items, http.User, intake, images, body.Parts, time.GetUtcNow(), cancellationToken).ConfigureAwait(false));
        }
    }

    private static IngestSender Sender(ClaimsPrincipal caller) => new(caller.Principal().AgencyId, caller.CameraId(), caller.CameraPosition());

    private static IngestItem ParseOurs(JsonElement item)
    {
        try
        {
            return item.ValueKind == JsonValueKind.Object && item.Deserialize(ReadJsonContext.Default.ReadDto) is { } dto
                ? new IngestItem(dto)
                : IngestItem.Rejected("each read must be a JSON object");
        }
        catch (JsonException ex)
        {
            return IngestItem.Rejected(ReadFiles.FirstSentence(ex.Message));
        }
    }

    /// <summary>Shared by every format: identity checks, images, validation, then one durable append of the good items.</summary>
    internal static async Task<IngestResponse> ProcessAsync(IReadOnlyList<IngestItem> items, ClaimsPrincipal caller, ReadIntake intake, ImageIntake images,
        IReadOnlyDictionary<string, PartImage> parts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string agency = caller.Principal().AgencyId;
        string? camera = caller.CameraId();
        var position = caller.CameraPosition();
        var results = new IngestItemResult[items.Count];
        var accepted = new List<PlateRead>(results.Length);
        var acceptedIndex = new List<int>(results.Length);
        var seen = new HashSet<ReadId>();
        for (int index = 0; index < items.Count; index++)
        {
            if (items[index] is not { Dto: { } dto })
            {
                results[index] = new(index, null, IngestStatus.Rejected, items[index].Error ?? "not a read");
                continue;
            }
            string? id = dto.Id is { Length: <= 64 } ? dto.Id : null;
            // A camera key is the camera's identity: a read claiming another camera or agency is refused, not relabelled.
            if (camera is not null && dto.CameraId is { Length: > 0 } claimedCamera && !string.Equals(claimedCamera, camera, StringComparison.Ordinal))
            {
                results[index] = new(index, id, IngestStatus.Rejected, "cameraId differs from the camera this API key belongs to");
                continue;
            }
            if (dto.AgencyId is { Length: > 0 } claimedAgency && !string.Equals(claimedAgency, agency, StringComparison.Ordinal))
            {
                results[index] = new(index, id, IngestStatus.Rejected, "agencyId differs from the agency this API key belongs to");
                continue;
            }
            dto.CameraId = camera ?? dto.CameraId;
            dto.AgencyId = agency;
            // A fixed camera may leave out its own position; a mobile one must send a fix (no key position is set for it).
            if (dto.Location is null && position is { } at) dto.Location = new LocationDto { Lat = at.Lat, Lon = at.Lon };
            if (await images.ResolveAsync(dto, parts, cancellationToken).ConfigureAwait(false) is { } imageError)
            {
                results[index] = new(index, id, IngestStatus.Rejected, imageError);
                continue;
            }
            var outcome = ReadMapping.FromDto(dto, now);
            if (outcome.Read is not { } read)
            {
                results[index] = new(index, id, IngestStatus.Rejected, outcome.Error);
                continue;
            }
            if (!seen.Add(read.Id))
            {
                results[index] = new(index, read.Id.ToString(), IngestStatus.Duplicate);
                continue;
            }
            accepted.Add(read);
            acceptedIndex.Add(index);
        }

        var duplicates = await intake.StoreAsync(accepted, cancellationToken).ConfigureAwait(false);
        for (int k = 0; k < accepted.Count; k++)
        {
            var read = accepted[k];
            results[acceptedIndex[k]] = new(acceptedIndex[k], read.Id.ToString(), duplicates.Contains(read.Id) ? IngestStatus.Duplicate : IngestStatus.Stored);
        }
        var response = new IngestResponse(
            results.Count(r => r.Status == IngestStatus.Stored),
            results.Count(r => r.Status == IngestStatus.Duplicate),
            results.Count(r => r.Status == IngestStatus.Rejected),
            results);
        ServerMetrics.ReadsStored.Add(response.Stored);
        ServerMetrics.ReadsDuplicate.Add(response.Duplicates);
        ServerMetrics.ReadsRejected.Add(response.Rejected);
        return response;
    }
}
