using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platewatch.Query;

namespace Platewatch.Server.Accounts;

/// <summary>
/// One scheme for both kinds of caller: <c>Authorization: Bearer pwt_...</c> (a signed-in user's token) or
/// <c>Bearer pwc_...</c> / <c>X-Api-Key: pwc_...</c> (a camera key). Both are looked up by their HMAC.
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccountStore accounts) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "PlatewatchToken";
    public const string AgencyClaim = "platewatch:agency";
    public const string CameraClaim = "platewatch:camera";
    public const string CameraPositionClaim = "platewatch:camera-position";
    /// <summary>When a user's token expires, in Unix milliseconds.</summary>
    public const string TokenExpiresClaim = "platewatch:token-expires";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? secret = null;
        string? header = Request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) secret = header["Bearer ".Length..].Trim();
        else if (Request.Headers.TryGetValue("X-Api-Key", out var key)) secret = key.ToString().Trim();
        if (string.IsNullOrEmpty(secret)) return AuthenticateResult.NoResult();

        if (await accounts.AuthenticateTokenAsync(secret, Context.RequestAborted).ConfigureAwait(false) is var (user, expires))
        {
            var signedIn = Success(user.Username, user.AgencyId, user.Role, camera: null);
            ((ClaimsIdentity)signedIn.Principal!.Identity!).AddClaim(new Claim(TokenExpiresClaim, expires.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return signedIn;
        }
        if (await accounts.AuthenticateCameraKeyAsync(secret, Context.RequestAborted).ConfigureAwait(false) is { } cam)
        {
            var ticket = Success($"camera-key:{cam.KeyId}", cam.AgencyId, Roles.Camera, cam.CameraId);
            if (cam.Latitude is { } lat && cam.Longitude is { } lon)
                ((ClaimsIdentity)ticket.Principal!.Identity!).AddClaim(new Claim(CameraPositionClaim, FormattableString.Invariant($"{lat:R},{lon:R}")));
            return ticket;
        }
        return AuthenticateResult.Fail("The token or API key is unknown, expired or revoked.");
    }

    private static AuthenticateResult Success(string name, string agency, string role, string? camera)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(AgencyClaim, agency), new(ClaimTypes.Role, role) };
        if (camera is not null) claims.Add(new Claim(CameraClaim, camera));
        var identity = new ClaimsIdentity(claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return base.HandleChallengeAsync(properties);
    }
}

/// <summary>Who the authenticated caller is, in the terms the query service and audit log use.</summary>
internal static class Caller
{
    public static Principal Principal(this ClaimsPrincipal user) => new(
        user.Identity?.Name ?? throw new InvalidOperationException("Unauthenticated request reached an authenticated endpoint."),
        user.FindFirstValue(TokenAuthenticationHandler.AgencyClaim) ?? "",
        user.FindFirstValue(ClaimTypes.Role) ?? "");

    public static string? CameraId(this ClaimsPrincipal user) => user.FindFirstValue(TokenAuthenticationHandler.CameraClaim);

    /// <summary>When the caller's bearer token expires; null for a camera key (no expiry).</summary>
    public static DateTimeOffset? TokenExpiresAt(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(TokenAuthenticationHandler.TokenExpiresClaim), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    /// <summary>The fixed position configured with the camera's key, if any.</summary>
    public static (double Lat, double Lon)? CameraPosition(this ClaimsPrincipal user)
    {
        string? v = user.FindFirstValue(TokenAuthenticationHandler.CameraPositionClaim);
        int comma = v?.IndexOf(',', StringComparison.Ordinal) ?? -1;
        if (v is null || comma < 0) return null;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return (double.Parse(v.AsSpan(0, comma), inv), double.Parse(v.AsSpan(comma + 1), inv));
    }

    /// <summary>The remote address, for the audit log's "from where".</summary>
    public static string Source(this HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}

internal static class Policies
{
    /// <summary>People only: a camera key can write reads and nothing else.</summary>
    public const string User = "user";
    public const string Ingest = "ingest";
    public const string Search = "search";
    public const string Audit = "audit";
}
