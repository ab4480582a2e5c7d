using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Platewatch.Formats;
using Platewatch.Reads;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;
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
/// <c>POST /api/v1/reads</c>: a batch of reads in the Platewatch schema (a JSON array, or <c>{"reads":[...]}</c>).
/// Answers only after the store has made the batch durable; each item is stored, a duplicate, or rejected with why.
/// </summary>
internal static class IngestApi
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/reads", PostReadsAsync).RequireAuthorization(Policies.Ingest).RequireRateLimiting(PlatewatchServer.IngestLimiter).WithTags("ingest");
        return app;
    }

    private static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> PostReadsAsync(
        HttpContext http, ReadIntake intake, IOptions<LimitOptions> limits, TimeProvider time, CancellationToken cancellationToken)
    {
        var caps = limits.Value;
        if (http.Request.ContentLength > caps.MaxBodyBytes) return TooLarge($"The body is larger than {caps.MaxBodyBytes} bytes.");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = caps.MaxBodyBytes;

        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(http.Request.Body, DocumentOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return TypedResults.Problem($"The body is not JSON: {ReadFiles.FirstSentence(ex.Message)}", statusCode: StatusCodes.Status400BadRequest);
        }
        using (doc)
        {
            var items = doc.RootElement.ValueKind switch
            {
                JsonValueKind.Array => doc.RootElement,
                JsonValueKind.Object when doc.RootElement.TryGetProperty("reads", out var r) && r.ValueKind == JsonValueKind.Array => r,
                _ => default,
            };
            if (items.ValueKind != JsonValueKind.Array)
                return TypedResults.Problem("The body must be a JSON array of reads, or an object with a \"reads\" array.", statusCode: StatusCodes.Status400BadRequest);
            int count = items.GetArrayLength();
            if (count > caps.MaxBatch) return TooLarge($"The batch has {count} reads; at most {caps.MaxBatch} are accepted at once.");
            var results = await IngestAsync(items, http.User, intake, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(results);
        }
    }

    private static async Task<IngestResponse> IngestAsync(JsonElement items, ClaimsPrincipal caller, ReadIntake intake, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string agency = caller.Principal().AgencyId;
        string? camera = caller.CameraId();
        var results = new IngestItemResult[items.GetArrayLength()];
        var accepted = new List<PlateRead>(results.Length);
        var acceptedIndex = new List<int>(results.Length);
        var seen = new HashSet<ReadId>();
        int i = 0;
        foreach (var item in items.EnumerateArray())
        {
            int index = i++;
            ReadDto? dto;
            try
            {
                dto = item.ValueKind == JsonValueKind.Object ? item.Deserialize(ReadJsonContext.Default.ReadDto) : null;
            }
            catch (JsonException ex)
            {
                results[index] = new(index, null, IngestStatus.Rejected, ReadFiles.FirstSentence(ex.Message));
                continue;
            }
            if (dto is null)
            {
                results[index] = new(index, null, IngestStatus.Rejected, "each read must be a JSON object");
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

    private static ProblemHttpResult TooLarge(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large");
}
