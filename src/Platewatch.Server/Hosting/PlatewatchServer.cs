using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platewatch.Audit;
using Platewatch.Server.Accounts;
using Platewatch.Server.Alerts;
using Platewatch.Server.Analytics;
using Platewatch.Server.Apis;
using Platewatch.Server.Images;
using Platewatch.Server.Recognition;

namespace Platewatch.Server.Hosting;

/// <summary>What <c>platewatch serve</c> was given.</summary>
internal sealed record ServeSettings(string DataDirectory, IReadOnlyList<string> Urls, string? ConfigFile = null, IReadOnlyList<string>? Args = null)
{
    /// <summary>Extra logging set-up (tests capture logs through it).</summary>
    public Action<ILoggingBuilder>? Logging { get; init; }
}

/// <summary>
/// Builds the server over one data directory. Configuration, lowest to highest precedence: DIR/server.json,
/// the --config file, PLATEWATCH_* environment variables (PLATEWATCH_Limits__MaxBatch=1000), command-line args.
/// </summary>
internal static class PlatewatchServer
{
    public const string IngestLimiter = "ingest";

    public static WebApplication Build(ServeSettings settings)
    {
        string dir = Path.GetFullPath(settings.DataDirectory);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [.. settings.Args ?? []], ContentRootPath = dir });
        builder.Configuration.Sources.Clear();
        builder.Configuration
            .AddJsonFile(Path.Combine(dir, "server.json"), optional: true, reloadOnChange: false);
        if (settings.ConfigFile is not null) builder.Configuration.AddJsonFile(Path.GetFullPath(settings.ConfigFile), optional: false, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables("PLATEWATCH_").AddCommandLine([.. settings.Args ?? []]);

        // ASP.NET Core logs every request's URL at Information, and search URLs carry plates, so its categories
        // log warnings and above whatever the configuration says; the start-up lines stay.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        settings.Logging?.Invoke(builder.Logging);

        var limits = builder.Configuration.GetSection("Limits").Get<LimitOptions>() ?? new LimitOptions();
        var accountOptions = builder.Configuration.GetSection("Accounts").Get<AccountOptions>() ?? new AccountOptions();
        var auditOptions = builder.Configuration.GetSection("Audit").Get<AuditOptions>() ?? new AuditOptions();
        if (auditOptions.RetentionYears < AuditOptions.MinimumRetentionYears)
            throw new InvalidOperationException($"Audit:RetentionYears is {auditOptions.RetentionYears}; the audit log must be kept at least {AuditOptions.MinimumRetentionYears} years. Raise it in server.json or PLATEWATCH_Audit__RetentionYears.");
        builder.Services.Configure<LimitOptions>(builder.Configuration.GetSection("Limits"));
        builder.Services.Configure<AuditOptions>(builder.Configuration.GetSection("Audit"));

        builder.WebHost.UseUrls([.. settings.Urls]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = limits.MaxBodyBytes;
        });

        // Opened here, not lazily, so a locked or broken data directory stops start-up with its reason.
        var data = DataDirectory.Open(dir, accountOptions, auditOptions.CheckpointEvery);
        _ = data.Store;
        builder.Services.AddSingleton(_ => data);
        builder.Services.AddSingleton(_ => data.Accounts);
        builder.Services.AddSingleton<IAuditLog>(_ => data.Audit);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Ingest.ReadIntake>();
        builder.Services.AddSingleton<Images.IImageStore>(_ => new Images.FileImageStore(Path.Combine(dir, "images")));
        builder.Services.AddSingleton<Images.ImageIntake>();
        builder.Services.Configure<Recognition.RecognitionOptions>(builder.Configuration.GetSection("Recognition"));
        builder.Services.AddSingleton<Recognition.RecognizerHost>();
        builder.AddPlatewatchAlerts(data);

        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi();
        builder.Services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        var userPolicy = new AuthorizationPolicyBuilder(TokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser().RequireRole([.. Roles.UserRoles]).Build();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuditedAuthorization>();
        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(userPolicy)
            // Anything mapped without an explicit rule still needs a signed-in person: open is never the default.
            .SetFallbackPolicy(userPolicy)
            .AddPolicy(Policies.User, userPolicy)
            .AddPolicy(Policies.Ingest, p => p.AddAuthenticationSchemes(TokenAuthenticationHandler.SchemeName).RequireRole(Roles.Camera))
            .AddPolicy(Policies.Search, p => p.AddAuthenticationSchemes(TokenAuthenticationHandler.SchemeName).RequireRole(Roles.Investigator, Roles.Supervisor))
            .AddPolicy(Policies.Audit, p => p.AddAuthenticationSchemes(TokenAuthenticationHandler.SchemeName).RequireRole(Roles.Auditor));

        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddConcurrencyLimiter(IngestLimiter, c =>
            {
                c.PermitLimit = Math.Max(1, limits.MaxConcurrentIngest);
                c.QueueLimit = Math.Max(0, limits.IngestQueue);
                c.QueueProcessingOrder = System.Threading.RateLimiting.QueueProcessingOrder.OldestFirst;
            });
            o.OnRejected = async (ctx, ct) =>
            {
                // Overload is temporary: tell the camera when to come back instead of letting it hammer.
                ctx.HttpContext.Response.Headers.RetryAfter = limits.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"The server is busy ingesting; retry after {limits.RetryAfterSeconds} s. Nothing from this request was stored.",
                    },
                }).ConfigureAwait(false);
            };
        });

        var app = builder.Build();
        // Graceful shutdown: requests in flight finish (each ack already follows a durable commit), then the
        // store and audit log are closed and the directory lock released, before the process exits.
        app.Lifetime.ApplicationStopped.Register(() => data.DisposeAsync().AsTask().GetAwaiter().GetResult());
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi().RequireAuthorization(Policies.User);
        app.MapHealthEndpoints();
        app.MapAuthEndpoints();
        app.MapIngestEndpoints();
        app.MapSearchEndpoints();
        app.MapAnalyticsEndpoints();
        app.MapImageEndpoints();
        app.MapRecognizeEndpoints();
        app.MapAuditEndpoints();
        app.MapCameraKeyEndpoints();
        app.MapAlerts();
        return app;
    }
}

/// <summary>Turns every exception into RFC 7807 ProblemDetails, keeping the status of a bad request (413 for a body over the cap).</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is larger than the server accepts." : bad.Message),
            _ => (StatusCodes.Status500InternalServerError, "The server failed to handle the request; nothing was released."),
        };
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Detail = detail },
        }).ConfigureAwait(false);
    }
}
