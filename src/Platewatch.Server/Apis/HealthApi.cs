using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Platewatch.Server.Apis;

internal sealed record HealthStatus(string Status);

/// <summary>Liveness and readiness: the only routes, with sign-in, that need no credentials. They reveal nothing.</summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => TypedResults.Ok(new HealthStatus("live"))).AllowAnonymous().WithTags("health");
        app.MapGet("/health/ready", Ready).AllowAnonymous().WithTags("health");
        return app;
    }

    // Not ready once shutdown has begun, so a load balancer stops sending reads that would be refused.
    private static Results<Ok<HealthStatus>, ProblemHttpResult> Ready(IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStopping.IsCancellationRequested
            ? TypedResults.Problem("The server is shutting down.", statusCode: StatusCodes.Status503ServiceUnavailable)
            : TypedResults.Ok(new HealthStatus("ready"));
}
