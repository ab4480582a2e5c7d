using System.Collections.Immutable;
using Platewatch.Audit;
using Platewatch.Reads;
using Platewatch.Storage;

namespace Platewatch.Query;

/// <summary>
/// The only way to read plates out of a store. It checks the purpose and case, applies each data owner's
/// policy (retention, sharing, prohibited purposes), runs the query, and writes an audit entry with the
/// result count and the ids returned before the result is released. If the audit write fails, the caller
/// gets an exception, not the data.
/// </summary>
public sealed class ReadQueryService
{
    private readonly IReadStore _store;
    private readonly IAuditLog _audit;
    private readonly ImmutableDictionary<string, DataPolicy> _policies;
    private readonly TimeProvider _time;
    private readonly IAnalysisApprovals? _approvals;

    /// <param name="approvals">Where supervisor approvals are recorded; without it only warrants and court orders authorise analytics.</param>
    public ReadQueryService(IReadStore store, IAuditLog audit, IEnumerable<DataPolicy> policies, TimeProvider? time = null, IAnalysisApprovals? approvals = null)
    {
        _store = store;
        _audit = audit;
        _policies = policies.ToImmutableDictionary(p => p.OwnerAgencyId, StringComparer.Ordinal);
        _time = time ?? TimeProvider.System;
        _approvals = approvals;
    }

    /// <summary>The audit action of an analysis: this prefix and the analysis name (analytics.associates, ...).</summary>
    public const string AnalyticsActionPrefix = "analytics.";

    /// <summary>
    /// Runs one investigative analysis through the analytics gate: purpose and case as for a search; an
    /// authorisation reference for the analyses the owner's policy names; a window of at most the standard
    /// days (older reads or longer windows need a senior approval, a warrant or a court order); the request's
    /// own bounds. <paramref name="analysis"/> reads the store only through the scope it is given. The run
    /// is audited with every parameter and the plates it returned before the result is released; refusals,
    /// bad requests and failures are audited too.
    /// </summary>
    public async Task<TResult> AnalyzeAsync<TResult>(
        Principal who,
        AccessPurpose why,
        AnalysisRequest request,
        Func<AnalyticsScope, CancellationToken, Task<TResult>> analysis,
        Func<TResult, IEnumerable<string>> platesReturned,
        string? source,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(who);
        ArgumentNullException.ThrowIfNull(why);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(platesReturned);
        who.Validate();
        var parameters = request.Describe();
        AuditRecord Record(string outcome, string? detail) =>
            AccessRecord(who, why, AnalyticsActionPrefix + AnalysisRequest.Name(request.Kind), outcome, source, parameters) with { Detail = detail };

        try
        {
            request.Validate();
        }
        catch (ArgumentException ex)
        {
            await _audit.AppendAsync(Record("rejected", ex.Message), cancellationToken).ConfigureAwait(false);
            throw;
        }

        var agencies = VisibleAgencies(who, why);
        string? refusal = CheckPurpose(who, why);
        if (refusal is null && agencies.IsEmpty)
            refusal = $"no agency's policy lets '{who.AgencyId}' search for purpose '{why.Code}'";
        var rules = _policies.TryGetValue(who.AgencyId, out var own) ? own.Analytics : new AnalyticsPolicy();
        var now = _time.GetUtcNow();
        refusal ??= await CheckAuthorizationAsync(who, why, request, rules, now, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            await _audit.AppendAsync(Record("denied", refusal), cancellationToken).ConfigureAwait(false);
            throw new AccessDeniedException($"Analysis refused: {refusal}.");
        }

        int retentionDays = agencies.Min(a => _policies[a].RetentionDays);
        var horizon = now - TimeSpan.FromDays(retentionDays);
        var range = request.Range.From < horizon ? new TimeRange(horizon, request.Range.To) : request.Range;
        var scope = new AnalyticsScope(_store, agencies, range, rules.MaxScanReads);
        TResult result;
        try
        {
            result = await analysis(scope, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await _audit.AppendAsync(Record(ex is AnalysisTooLargeException ? "denied" : "error", ex.Message), cancellationToken).ConfigureAwait(false);
            throw;
        }

        var plates = platesReturned(result).Distinct(StringComparer.Ordinal).ToImmutableArray();
        await _audit.AppendAsync(Record("ok", string.Join(',', agencies)) with
        {
            ResultCount = plates.Length,
            RecordIds = [.. plates.Select(p => "plate:" + p)],
        }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<string?> CheckAuthorizationAsync(Principal who, AccessPurpose why, AnalysisRequest request, AnalyticsPolicy rules, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string name = AnalysisRequest.Name(request.Kind);
        var tier = ApprovalTier.Standard;
        if (request.Authorization is { } auth)
        {
            if (auth.Kind != AuthorizationKind.SupervisorApproval)
            {
                tier = ApprovalTier.Senior;
            }
            else
            {
                if (_approvals is null)
                    return "supervisor approvals are recorded only on the server's accounts database and none is open here: give a warrant:NUMBER or court-order:NUMBER";
                var approval = await _approvals.FindAsync(auth.Reference, cancellationToken).ConfigureAwait(false);
                if (approval is null || !string.Equals(approval.AgencyId, who.AgencyId, StringComparison.Ordinal))
                    return $"approval '{auth.Reference}' is not recorded for agency '{who.AgencyId}'";
                if (approval.RevokedAt is { } revoked)
                    return $"approval '{auth.Reference}' was revoked at {revoked:O} by {approval.RevokedBy}: ask a supervisor for a new approval";
                if (!string.Equals(approval.CaseNumber, why.CaseNumber, StringComparison.Ordinal))
                    return $"approval '{auth.Reference}' was given for case '{approval.CaseNumber}', not '{why.CaseNumber}'";
                if (approval.ExpiresAt <= now)
                    return $"approval '{auth.Reference}' expired at {approval.ExpiresAt:O}: ask a supervisor for a new approval";
                if (!approval.Kinds.IsDefaultOrEmpty && !approval.Kinds.Contains(request.Kind))
                    return $"approval '{auth.Reference}' does not cover the {name} analysis";
                tier = approval.Tier;
            }
        }
        else if (rules.NeedAuthorization.Contains(request.Kind))
        {
            return $"the {name} analysis needs an authorisation reference: a supervisor's approval (approval:ID), a warrant (warrant:NUMBER) or a court order (court-order:NUMBER)";
        }

        double days = request.Range.Duration.TotalDays;
        if (days > rules.SeniorWindowDays)
            return $"the window ({days:F0} days) is longer than the {rules.SeniorWindowDays} days any approval allows";
        bool beyondStandard = days > rules.StandardWindowDays || request.Range.From < now - TimeSpan.FromDays(rules.StandardWindowDays);
        if (beyondStandard && tier != ApprovalTier.Senior)
            return $"the window is longer than {rules.StandardWindowDays} days or reaches reads older than that: it needs a senior approval, a warrant or a court order";
        return null;
    }

    public Task<ReadPage> SearchAsync(Principal who, AccessPurpose why, ReadQuery query, string? source, CancellationToken cancellationToken) =>
        SearchAsync(who, why, query, source, SearchAction, cancellationToken);

    /// <summary>The audit action of a plain search.</summary>
    public const string SearchAction = "search.reads";

    /// <summary>The audit action of an export: the same gate, recorded apart so reviewers see what left the system.</summary>
    public const string ExportAction = "export.reads";

    /// <summary>The audit action of viewing a read's image: the read is fetched through the same gate, so an image is
    /// only ever shown to someone who could have searched for its read, and the view is on the record.</summary>
    public const string ImageAction = "view.image";

    /// <summary>As <see cref="SearchAsync(Principal, AccessPurpose, ReadQuery, string?, CancellationToken)"/>, recorded under
    /// <paramref name="action"/> (<see cref="SearchAction"/>, <see cref="ExportAction"/> or <see cref="ImageAction"/>),
    /// with <paramref name="extra"/> (such as which image) added to the audited parameters.</summary>
    public Task<ReadPage> SearchAsync(Principal who, AccessPurpose why, ReadQuery query, string? source, string action, CancellationToken cancellationToken) =>
        SearchAsync(who, why, query, source, action, null, cancellationToken);

    /// <inheritdoc cref="SearchAsync(Principal, AccessPurpose, ReadQuery, string?, string, CancellationToken)"/>
    public async Task<ReadPage> SearchAsync(Principal who, AccessPurpose why, ReadQuery query, string? source, string action,
        IReadOnlyDictionary<string, string>? extra, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(who);
        if (action is not (SearchAction or ExportAction or ImageAction)) throw new ArgumentException($"'{action}' is not a read access action.", nameof(action));
        ArgumentNullException.ThrowIfNull(why);
        ArgumentNullException.ThrowIfNull(query);
        who.Validate();
        query.Validate();
        var described = new SortedDictionary<string, string>(query.Describe().ToDictionary(), StringComparer.Ordinal);
        if (extra is not null) foreach (var (k, v) in extra) described[k] = v;
        var parameters = described.ToImmutableSortedDictionary(StringComparer.Ordinal);
        AuditRecord Record(string outcome) => AccessRecord(who, why, action, outcome, source, parameters);

        string? refusal = CheckPurpose(who, why);
        var agencies = VisibleAgencies(who, why);
        if (refusal is null && agencies.IsEmpty)
            refusal = $"no agency's policy lets '{who.AgencyId}' search for purpose '{why.Code}'";
        if (refusal is null && query.Range.Duration > TimeSpan.FromDays(_policies.TryGetValue(who.AgencyId, out var own) ? own.MaxSearchDays : 366))
            refusal = $"the time range ({query.Range.Duration.TotalDays:F0} days) is longer than the policy allows";
        if (refusal is not null)
        {
            await _audit.AppendAsync(Record("denied") with { Detail = refusal }, cancellationToken).ConfigureAwait(false);
            throw new AccessDeniedException($"Search refused: {refusal}.");
        }

        // Retention: nothing older than the strictest visible owner's horizon is returned.
        var now = _time.GetUtcNow();
        int retentionDays = agencies.Min(a => _policies[a].RetentionDays);
        var horizon = now - TimeSpan.FromDays(retentionDays);
        var effective = query.Range.From < horizon ? query with { Range = new TimeRange(horizon, query.Range.To) } : query;
        ReadPage page;
        if (effective.Range.To <= effective.Range.From)
        {
            page = new ReadPage([], null);
        }
        else
        {
            page = await _store.QueryAsync(new AuthorizedQuery(effective, agencies, who, why), cancellationToken).ConfigureAwait(false);
        }

        await _audit.AppendAsync(Record("ok") with
        {
            ResultCount = page.Reads.Length,
            RecordIds = [.. page.Reads.Select(r => r.Id.ToString())],
            Detail = string.Join(',', agencies),
        }, cancellationToken).ConfigureAwait(false);
        return page;
    }

    /// <summary>Deletes reads older than the cutoff, and records who did it; deletion is itself an audited access.</summary>
    public async Task<long> PurgeAsync(Principal who, DateTimeOffset cutoff, string? source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(who);
        who.Validate();
        long n = await _store.PurgeOlderThanAsync(cutoff, cancellationToken).ConfigureAwait(false);
        await _audit.AppendAsync(new AuditRecord
        {
            Actor = who.UserId,
            AgencyId = who.AgencyId,
            Role = who.Role,
            Action = "retention.purge",
            Source = source,
            Parameters = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("olderThan", cutoff.ToString("O", System.Globalization.CultureInfo.InvariantCulture))]),
            ResultCount = n,
        }, cancellationToken).ConfigureAwait(false);
        return n;
    }

    /// <summary>The audit entry of one access to reads: who, why, what and with which parameters.</summary>
    private static AuditRecord AccessRecord(Principal who, AccessPurpose why, string action, string outcome, string? source, ImmutableSortedDictionary<string, string> parameters) => new()
    {
        Actor = who.UserId,
        AgencyId = who.AgencyId,
        Role = who.Role,
        Action = action,
        Outcome = outcome,
        Purpose = why.Code,
        PurposeText = why.Text,
        CaseNumber = why.CaseNumber,
        Source = source,
        Parameters = parameters,
    };

    private string? CheckPurpose(Principal who, AccessPurpose why)
    {
        if (string.IsNullOrWhiteSpace(why.Code)) return "a purpose is required";
        if (string.IsNullOrWhiteSpace(why.CaseNumber)) return "a case number is required";
        if (why.CaseNumber.Length > 64 || why.Code.Length > 64 || (why.Text?.Length ?? 0) > 500) return "the purpose, its text or the case number is too long";
        if (_policies.TryGetValue(who.AgencyId, out var own))
        {
            if (!own.AllowedPurposes.Contains(why.Code, StringComparer.OrdinalIgnoreCase))
                return $"purpose '{why.Code}' is not on the agency's list ({string.Join(", ", own.AllowedPurposes)})";
            if (IsProhibited(own, why)) return $"the purpose is prohibited by the policy of '{own.OwnerAgencyId}'";
        }
        return null;
    }

    private static bool IsProhibited(DataPolicy policy, AccessPurpose why)
    {
        string text = $"{why.Code} {why.Text}";
        return policy.ProhibitedTerms.Any(t => text.Contains(t, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The caller's own agency, plus owners who share with it, each only if the purpose is allowed and not prohibited by that owner.</summary>
    private ImmutableArray<string> VisibleAgencies(Principal who, AccessPurpose why)
    {
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var policy in _policies.Values.OrderBy(p => p.OwnerAgencyId, StringComparer.Ordinal))
        {
            bool mine = string.Equals(policy.OwnerAgencyId, who.AgencyId, StringComparison.Ordinal);
            if (!mine && !policy.SharingPartners.Contains(who.AgencyId, StringComparer.Ordinal)) continue;
            if (!policy.AllowedPurposes.Contains(why.Code, StringComparer.OrdinalIgnoreCase) || IsProhibited(policy, why)) continue;
            result.Add(policy.OwnerAgencyId);
        }
        return result.ToImmutable();
    }
}
