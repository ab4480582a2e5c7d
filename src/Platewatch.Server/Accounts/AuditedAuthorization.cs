using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Platewatch.Audit;

namespace Platewatch.Server.Accounts;

/// <summary>
/// Puts every request a signed-in caller was refused for its role on the audit record (an investigator calling an
/// auditor's route, a camera key asking for reads). Attempts beyond one's role are what an insider probing the system
/// looks like, so they are kept with the others. Requests without valid credentials are not: nobody is known to blame.
/// </summary>
internal sealed class AuditedAuthorization(IAuditLog audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated == true)
        {
            var who = context.User.Principal();
            await audit.AppendAsync(new AuditRecord
            {
                Actor = who.UserId,
                AgencyId = who.AgencyId,
                Role = who.Role,
                Action = "access.forbidden",
                Outcome = "denied",
                Source = context.Source(),
                // The path names the route (and at most a read or approval id); the query string, which may carry a
                // plate, is left out.
                Detail = $"{context.Request.Method} {Apis.RefusalAudit.Bound(context.Request.Path.Value)}: not allowed for role {who.Role}",
            }, context.RequestAborted).ConfigureAwait(false);
        }
        await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
    }
}
