using System.Collections.Immutable;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platewatch.Audit;
using Platewatch.Query;
using Platewatch.Reads;
using Platewatch.Server.Accounts;
using Platewatch.Server.Apis;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Images;

/// <summary>
/// <c>GET /api/v1/reads/{id}/images/{plate|context}</c>. The image is released only if its read comes back
/// through <see cref="ReadQueryService"/> for this caller, purpose and case; that fetch is the audit entry.
/// There is deliberately no route by hash alone: a hash is not an authorisation.
/// </summary>
internal static class ImageApi
{
    public static IEndpointRouteBuilder MapImageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reads/{id}/images/{kind}", GetImageAsync).RequireAuthorization(Policies.Search).WithTags("search");
        return app;
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult, NotFound<ProblemDetails>>> GetImageAsync(
        string id, string kind, [FromQuery] string? purpose, [FromQuery] string? caseNumber, [FromQuery] string? purposeText,
        HttpContext http, DataDirectory data, IImageStore images, TimeProvider time, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        bool validId = ReadId.TryParse(id, null, out var readId);
        string? refusal = kind is not ("plate" or "context") ? $"image kind must be 'plate' or 'context'; got '{Clip(kind)}'"
            : !validId ? $"'{Clip(id)}' is not a read id"
            : string.IsNullOrWhiteSpace(purpose) ? "purpose is required: say why you are viewing this image"
            : string.IsNullOrWhiteSpace(caseNumber) ? "caseNumber is required: every image view must name its case"
            : null;
        if (refusal is not null)
        {
            await RefusalAudit.AppendAsync(data.Audit, http, ReadQueryService.ImageAction, purpose, purposeText, caseNumber,
                ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("id", Clip(id)!), KeyValuePair.Create("image", Clip(kind)!)]),
                refusal, cancellationToken).ConfigureAwait(false);
            return TypedResults.Problem(refusal, statusCode: StatusCodes.Status400BadRequest, title: "Invalid image request");
        }

        var query = new ReadQuery { Range = RangeFor(readId, time.GetUtcNow()), Ids = [readId], Limit = 1 };
        var queries = await data.QueriesAsync(cancellationToken).ConfigureAwait(false);
        ReadPage page;
        try
        {
            page = await queries.SearchAsync(who, new AccessPurpose(purpose!, caseNumber!, purposeText), query, http.Source(), ReadQueryService.ImageAction,
                new Dictionary<string, string>(StringComparer.Ordinal) { ["image"] = kind }, cancellationToken).ConfigureAwait(false);
        }
        catch (AccessDeniedException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status403Forbidden, title: "Image view refused by policy");
        }
        // Another agency's read and a read that does not exist answer alike, so ids cannot be probed across tenants.
        string? sha = page.Reads.IsEmpty ? null : kind == "plate" ? page.Reads[0].Images?.PlateCrop : page.Reads[0].Images?.Context;
        var stream = sha is null ? null : await images.OpenAsync(sha, cancellationToken).ConfigureAwait(false);
        if (stream is null) return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "No such image", Detail = $"No {kind} image of read {id} is visible to you." });
        Span<byte> head = stackalloc byte[64];
        int n = stream.Read(head);
        stream.Position = 0;
        string type = ImageProbe.TryProbe(head[..n], out var info, out _) ? info.ContentType : "application/octet-stream";
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Stream(stream, type);
    }

    /// <summary>A version-7 id carries its capture time, which narrows the search to the days around it.</summary>
    private static TimeRange RangeFor(ReadId id, DateTimeOffset now)
    {
        var stamp = id.Timestamp;
        bool v7 = id.Value.Version == 7 && stamp > now.AddYears(-30) && stamp < now.AddDays(2);
        return v7 ? new TimeRange(stamp.AddDays(-30), stamp.AddDays(30)) : new TimeRange(now.AddDays(-365), now.AddDays(1));
    }

    private static string? Clip(string? s) => s is { Length: > 100 } ? s[..100] : s;
}
