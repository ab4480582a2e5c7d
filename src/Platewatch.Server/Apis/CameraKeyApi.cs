using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Platewatch.Audit;
using Platewatch.Server.Accounts;

namespace Platewatch.Server.Apis;

/// <summary>
/// <c>POST /api/v1/camera-keys/{keyId}/revoke</c>: an agency admin revokes one of the agency's camera keys while the
/// server runs (a stolen or retired camera cannot wait for a restart). Creating keys stays a CLI bootstrap step.
/// </summary>
internal static class CameraKeyApi
{
    public static IEndpointRouteBuilder MapCameraKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var admins = new AuthorizationPolicyBuilder(TokenAuthenticationHandler.SchemeName).RequireRole(Roles.Admin).Build();
        app.MapPost("/api/v1/camera-keys/{keyId}/revoke", RevokeAsync).RequireAuthorization(admins).WithTags("accounts");
        return app;
    }

    private static async Task<Results<NoContent, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>>> RevokeAsync(
        string keyId, HttpContext http, AccountStore accounts, IAuditLog audit, CancellationToken cancellationToken)
    {
        var who = http.User.Principal();
        var admin = new AccountAdmin(accounts, audit, who, http.Source());
        try
        {
            await admin.RevokeCameraKeyAsync(keyId.Length > 64 ? keyId[..64] : keyId, who.AgencyId, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            return TypedResults.NotFound(new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "No such camera key",
                Detail = $"Your agency has no camera key with the id '{(keyId.Length > 64 ? keyId[..64] : keyId)}'.",
            });
        }
        return TypedResults.NoContent();
    }
}
