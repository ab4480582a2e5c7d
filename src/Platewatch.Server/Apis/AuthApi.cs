using System.Collections.Immutable;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Platewatch.Audit;
using Platewatch.Server.Accounts;

namespace Platewatch.Server.Apis;

internal sealed record SignInRequest(string? Username, string? Password);

internal sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string Agency, string Role);

/// <summary><c>POST /api/v1/auth/token</c>: a password for a short-lived bearer token. Every attempt is audited.</summary>
internal static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/auth/token", SignInAsync).AllowAnonymous().WithTags("auth");
        return app;
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> SignInAsync(
        SignInRequest request, HttpContext http, AccountStore accounts, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password))
            return TypedResults.Problem("username and password are required.", statusCode: StatusCodes.Status400BadRequest);
        string username = request.Username.Length > AccountStore.MaxNameLength ? request.Username[..AccountStore.MaxNameLength] : request.Username;
        var result = await accounts.SignInAsync(username, request.Password, cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(new AuditRecord
        {
            Actor = username,
            AgencyId = result.User?.AgencyId ?? "",
            Role = result.User?.Role ?? "",
            Action = "auth.sign-in",
            Outcome = result.Failure == SignInFailure.None ? "ok" : "denied",
            Source = http.Source(),
            Parameters = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("user", username),
            Detail = result.Failure switch
            {
                SignInFailure.None => null,
                SignInFailure.UnknownUser => "unknown user",
                SignInFailure.BadPassword => "wrong password",
                _ => "locked out after repeated failures",
            },
        }, cancellationToken).ConfigureAwait(false);
        if (result.Failure != SignInFailure.None)
        {
            // One answer for every failure, so the response does not reveal which user names exist.
            return TypedResults.Problem("The user name or password is wrong, or the account is locked after repeated failures.",
                statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed");
        }
        int seconds = (int)Math.Round((result.ExpiresAt - time.GetUtcNow()).TotalSeconds);
        return TypedResults.Ok(new TokenResponse(result.Token!, "Bearer", seconds, result.User!.AgencyId, result.User.Role));
    }
}
