using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Alerts;

internal static class AlertPolicies
{
    /// <summary>See lists and entries: people who act on hits, and admins.</summary>
    public const string HotlistRead = "hotlist-read";
    /// <summary>Change lists, import, switch categories: supervisors and admins.</summary>
    public const string HotlistManage = "hotlist-manage";
    /// <summary>Receive, view and verify alerts; subscribe.</summary>
    public const string AlertWork = "alert-work";
    /// <summary>Hit precision and time to verification.</summary>
    public const string Metrics = "alert-metrics";
    /// <summary>Dead letters, registration imports and grants.</summary>
    public const string Admin = "alert-admin";
}

internal static class AlertMetrics
{
    private static readonly Meter Meter = new("Platewatch.Alerts");
    public static readonly Counter<long> Raised = Meter.CreateCounter<long>("platewatch.alerts.raised", "{alert}", "Alerts written to the outbox.");
    public static readonly Counter<long> Delivered = Meter.CreateCounter<long>("platewatch.alerts.delivered", "{delivery}", "Alert deliveries that succeeded.");
}

/// <summary>Registers hotlists, matching, the outbox dispatcher, the live feed and their settings.</summary>
internal static class AlertsSetup
{
    public static void AddPlatewatchAlerts(this WebApplicationBuilder builder, DataDirectory data)
    {
        var services = builder.Services;
        services.Configure<AlertOptions>(builder.Configuration.GetSection("Alerts"));
        services.AddSingleton(_ => new AlertStore(data.Path));
        services.AddSingleton(_ => new WebhookSecrets(data.Path));
        services.AddSingleton<HotlistService>();
        services.AddSingleton<LiveFeed>();
        services.AddSingleton<AlertEngine>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AlertOptions>>().Value;
            // Alerts go to configured receivers only; no cookies, no redirects to elsewhere.
            return new AlertHttp(new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            {
                Timeout = TimeSpan.FromSeconds(Math.Max(1, o.WebhookTimeoutSeconds)),
            });
        });
        services.AddSingleton<IAlertChannel, EmailChannel>();
        services.AddSingleton<IAlertChannel>(sp => new WebhookChannel(sp.GetRequiredService<AlertHttp>().Client, sp.GetRequiredService<WebhookSecrets>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAlertChannel>(sp => new SmsChannel(sp.GetRequiredService<AlertHttp>().Client, sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AlertOptions>>()));
        services.AddSingleton<AlertDispatcher>();
        // The index is loaded before the server listens: hosted services start first.
        services.AddHostedService<HotlistIndexLoader>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertDispatcher>());
        services.AddHostedService<StaleListMonitor>();
        services.Configure<AuthorizationOptions>(o =>
        {
            AuthorizationPolicy Roles_(params string[] roles) => new AuthorizationPolicyBuilder(TokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole(roles).Build();
            o.AddPolicy(AlertPolicies.HotlistRead, Roles_(Roles.Investigator, Roles.Supervisor, Roles.Admin));
            o.AddPolicy(AlertPolicies.HotlistManage, Roles_(Roles.Supervisor, Roles.Admin));
            o.AddPolicy(AlertPolicies.AlertWork, Roles_(Roles.Investigator, Roles.Supervisor));
            o.AddPolicy(AlertPolicies.Metrics, Roles_(Roles.Supervisor, Roles.Admin, Roles.Auditor));
            o.AddPolicy(AlertPolicies.Admin, Roles_(Roles.Admin));
        });
    }

    public static void MapAlerts(this WebApplication app)
    {
        app.MapHotlistEndpoints();
        app.MapAlertEndpoints();
    }
}

internal sealed record AlertHttp(HttpClient Client);

internal sealed class HotlistIndexLoader(HotlistService hotlists) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => hotlists.RebuildAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
