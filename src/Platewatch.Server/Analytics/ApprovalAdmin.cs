using System.Collections.Immutable;
using System.Globalization;
using Platewatch.Audit;
using Platewatch.Query;

namespace Platewatch.Server.Analytics;

/// <summary>
/// Reading and revoking an agency's approvals, each audited: the HTTP API (supervisors and auditors) and the CLI
/// (the operator, server stopped) go through here, so both leave the same trail.
/// </summary>
internal sealed class ApprovalAdmin(ApprovalStore approvals, IAuditLog audit, Principal actor, string? source)
{
    public const string ListAction = "analytics.list-approvals";
    public const string RevokeAction = "analytics.revoke-approval";
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The actor's agency's approvals, newest first; never another agency's.</summary>
    public async Task<IReadOnlyList<AnalysisApproval>> ListAsync(string? caseNumber, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxLimit) throw new ArgumentException($"limit must be 1 to {MaxLimit}; got {limit}.");
        if (caseNumber is { Length: 0 or > 64 }) throw new ArgumentException("case must be 1 to 64 characters.");
        var found = await approvals.ListAsync(actor.AgencyId, caseNumber, limit, cancellationToken).ConfigureAwait(false);
        var parameters = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        parameters["limit"] = limit.ToString(CultureInfo.InvariantCulture);
        if (caseNumber is not null) parameters["case"] = caseNumber;
        await audit.AppendAsync(Record(ListAction, caseNumber) with
        {
            Parameters = parameters.ToImmutable(),
            ResultCount = found.Count,
            RecordIds = [.. found.Select(a => a.Id)],
        }, cancellationToken).ConfigureAwait(false);
        return found;
    }

    public const string ViewAction = "analytics.view-approval";

    /// <summary>One of the actor's agency's approvals, or null (another agency's is as unknown as a missing one); audited either way.</summary>
    public async Task<AnalysisApproval?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var found = await approvals.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (found is not null && !string.Equals(found.AgencyId, actor.AgencyId, StringComparison.Ordinal)) found = null;
        var record = Record(ViewAction, found?.CaseNumber) with
        {
            Parameters = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("id", id)]),
            ResultCount = found is null ? 0 : 1,
        };
        if (found is null) record = record with { Outcome = "rejected", Detail = $"agency '{actor.AgencyId}' has no approval '{id}'" };
        await audit.AppendAsync(record, cancellationToken).ConfigureAwait(false);
        return found;
    }

    /// <summary>Revokes one of the actor's agency's approvals; a refusal (unknown, foreign, already revoked) is audited as rejected.</summary>
    public async Task<ApprovalRevocation> RevokeAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = await approvals.RevokeAsync(actor.AgencyId, id, actor.UserId, now, cancellationToken).ConfigureAwait(false);
        var record = Record(RevokeAction, result.Approval?.CaseNumber) with
        {
            Parameters = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("id", id)]),
        };
        record = result.Outcome switch
        {
            RevokeOutcome.Revoked => record,
            RevokeOutcome.AlreadyRevoked => record with { Outcome = "rejected", Detail = $"already revoked at {ApprovalStore.Describe(result.Approval!.RevokedAt!.Value)} by {result.Approval.RevokedBy}" },
            _ => record with { Outcome = "rejected", Detail = $"agency '{actor.AgencyId}' has no approval '{id}'" },
        };
        await audit.AppendAsync(record, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private AuditRecord Record(string action, string? caseNumber) => new()
    {
        Actor = actor.UserId,
        AgencyId = actor.AgencyId,
        Role = actor.Role,
        Action = action,
        CaseNumber = caseNumber,
        Source = source,
    };
}
