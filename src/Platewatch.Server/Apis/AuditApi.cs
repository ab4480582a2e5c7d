using System.Collections.Immutable;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Platewatch.Audit;
using Platewatch.Plates;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Apis;

internal sealed class AuditParameters
{
    [FromQuery] public string? User { get; init; }
    [FromQuery] public string? Plate { get; init; }
    [FromQuery] public string? CaseNumber { get; init; }
    [FromQuery] public string? Purpose { get; init; }
    [FromQuery] public string? Action { get; init; }
    [FromQuery] public string? From { get; init; }
    [FromQuery] public string? To { get; init; }
    [FromQuery] public int? Limit { get; init; }
    /// <summary>Continue after this sequence number (the previous page's <c>next</c>).</summary>
    [FromQuery] public long? After { get; init; }
}

internal sealed record AuditEntryDto(
    long Seq, DateTimeOffset At, string Actor, string Agency, string Role, string Action, string Outcome,
    string? Purpose, string? PurposeText, string? CaseNumber, string? Source, IReadOnlyDictionary<string, string> Parameters,
    long? ResultCount, IReadOnlyList<string> RecordIds, string? Detail, string PreviousHash, string Hash);

internal sealed record AuditPage(int Count, long? Next, IReadOnlyList<AuditEntryDto> Entries);

/// <summary>
/// <c>GET /api/v1/audit</c>: auditors read their own agency's entries by user, plate, case, purpose, action and
/// time. The query is itself audited. There is deliberately no route that writes, changes or deletes entries.
/// </summary>
internal static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit", QueryAsync).RequireAuthorization(Policies.Audit).WithTags("audit");
        return app;
    }

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> QueryAsync(
        [AsParameters] AuditParameters p, HttpContext http, DataDirectory data, IOptions<LimitOptions> limits, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        int limit = p.Limit ?? 100;
        if (limit < 1 || limit > limits.Value.MaxAuditLimit)
            return TypedResults.Problem($"limit must be 1 to {limits.Value.MaxAuditLimit}; got {limit}.", statusCode: StatusCodes.Status400BadRequest);
        DateTimeOffset? from = null, to = null;
        string? plate = null;
        try
        {
            if (p.From is not null) from = Time(p.From, "from");
            if (p.To is not null) to = Time(p.To, "to");
            if (p.Plate is not null) plate = PlatePattern.Exact(p.Plate).Text;
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        foreach (string? s in new[] { p.User, p.CaseNumber, p.Purpose, p.Action })
        {
            if (s is { Length: > 200 }) return TypedResults.Problem("Filters are at most 200 characters.", statusCode: StatusCodes.Status400BadRequest);
        }

        var found = new List<AuditEntry>(Math.Min(limit, 1024));
        long? next = null;
        await foreach (var e in data.Audit.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var r = e.Record;
            // Tenant isolation: an auditor sees what happened in, or to, their own agency only.
            if (!string.Equals(r.AgencyId, who.AgencyId, StringComparison.Ordinal)) continue;
            if (p.After is { } after && e.Sequence <= after) continue;
            if (from is { } f && e.At < f) continue;
            if (to is { } t && e.At >= t) continue;
            if (p.User is not null && !string.Equals(r.Actor, p.User, StringComparison.Ordinal)) continue;
            if (p.Action is not null && !string.Equals(r.Action, p.Action, StringComparison.Ordinal)) continue;
            if (p.CaseNumber is not null && !string.Equals(r.CaseNumber, p.CaseNumber, StringComparison.Ordinal)) continue;
            if (p.Purpose is not null && !string.Equals(r.Purpose, p.Purpose, StringComparison.OrdinalIgnoreCase)) continue;
            if (plate is not null && !(r.Parameters.TryGetValue("plate", out var ep) && string.Equals(ep, plate, StringComparison.Ordinal))) continue;
            if (found.Count == limit)
            {
                next = found[^1].Sequence;
                break;
            }
            found.Add(e);
        }

        var parameters = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        void Add(string k, string? v) { if (v is not null) parameters[k] = v; }
        Add("user", p.User); Add("plate", plate); Add("caseNumber", p.CaseNumber); Add("purpose", p.Purpose); Add("action", p.Action);
        Add("from", from?.ToString("O", CultureInfo.InvariantCulture)); Add("to", to?.ToString("O", CultureInfo.InvariantCulture));
        Add("limit", limit.ToString(CultureInfo.InvariantCulture)); Add("after", p.After?.ToString(CultureInfo.InvariantCulture));
        await data.Audit.AppendAsync(new AuditRecord
        {
            Actor = who.UserId,
            AgencyId = who.AgencyId,
            Role = who.Role,
            Action = "audit.query",
            Source = http.Source(),
            Parameters = parameters.ToImmutable(),
            ResultCount = found.Count,
            RecordIds = [.. found.Select(e => e.Sequence.ToString(CultureInfo.InvariantCulture))],
        }, cancellationToken).ConfigureAwait(false);

        return TypedResults.Ok(new AuditPage(found.Count, next, [.. found.Select(ToDto)]));
    }

    private static AuditEntryDto ToDto(AuditEntry e) => new(
        e.Sequence, e.At, e.Record.Actor, e.Record.AgencyId, e.Record.Role, e.Record.Action, e.Record.Outcome,
        e.Record.Purpose, e.Record.PurposeText, e.Record.CaseNumber, e.Record.Source, e.Record.Parameters,
        e.Record.ResultCount, e.Record.RecordIds, e.Record.Detail, e.PreviousHash, e.Hash);

    private static DateTimeOffset Time(string s, string name) => Reads.TimeRange.ParseInstant(s, name);
}
