using System.Collections.Immutable;
using Microsoft.AspNetCore.Http;
using Platewatch.Audit;
using Platewatch.Server.Accounts;

namespace Platewatch.Server.Apis;

/// <summary>
/// Records a request refused before it reached the query service (no purpose, no case, a malformed parameter).
/// Nothing was searched, but the attempt is on the record: repeated malformed attempts are themselves a signal.
/// </summary>
internal static class RefusalAudit
{
    public static Task<AuditEntry> AppendAsync(IAuditLog audit, HttpContext http, string action, string? purpose, string? purposeText, string? caseNumber,
        ImmutableSortedDictionary<string, string> parameters, string refusal, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        return audit.AppendAsync(new AuditRecord
        {
            Actor = who.UserId,
            AgencyId = who.AgencyId,
            Role = who.Role,
            Action = action,
            Outcome = "rejected",
            Purpose = Bound(purpose),
            PurposeText = Bound(purposeText),
            CaseNumber = Bound(caseNumber),
            Source = http.Source(),
            Parameters = parameters,
            Detail = refusal,
        }, cancellationToken);
    }

    /// <summary>Caller-supplied text, cut to a length the audit log keeps.</summary>
    public static string? Bound(string? s) => s is { Length: > 500 } ? s[..500] : s;
}
