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

    public ReadQueryService(IReadStore store, IAuditLog audit, IEnumerable<DataPolicy> policies, TimeProvider? time = null)
    {
        _store = store;
        _audit = audit;
        _policies = policies.ToImmutableDictionary(p => p.OwnerAgencyId, StringComparer.Ordinal);
        _time = time ?? TimeProvider.System;
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
        AuditRecord Record(string outcome) => new()
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
