using System.Collections.Immutable;
using Platewatch.Audit;
using Platewatch.Query;

namespace Platewatch.Server.Accounts;

/// <summary>
/// Account changes, each one written to the audit log after it succeeds. The CLI is the only caller: there is
/// no HTTP route that creates agencies, users or keys.
/// </summary>
internal sealed class AccountAdmin(AccountStore accounts, IAuditLog audit, Principal actor, string source)
{
    public async Task CreateAgencyAsync(string id, string name, CancellationToken cancellationToken)
    {
        await accounts.CreateAgencyAsync(id, name, cancellationToken).ConfigureAwait(false);
        await RecordAsync("admin.create-agency", [("agency", id), ("name", name)], cancellationToken).ConfigureAwait(false);
    }

    public async Task CreateUserAsync(string agencyId, string username, string role, string password, CancellationToken cancellationToken)
    {
        await accounts.CreateUserAsync(agencyId, username, role, password, cancellationToken).ConfigureAwait(false);
        await RecordAsync("admin.create-user", [("agency", agencyId), ("user", username), ("role", role)], cancellationToken).ConfigureAwait(false);
    }

    public async Task<(string KeyId, string Key)> CreateCameraKeyAsync(string agencyId, string cameraId, CancellationToken cancellationToken) =>
        await CreateCameraKeyAsync(agencyId, cameraId, null, cancellationToken).ConfigureAwait(false);

    public async Task<(string KeyId, string Key)> CreateCameraKeyAsync(string agencyId, string cameraId, Geo.GeoPoint? position, CancellationToken cancellationToken)
    {
        var made = await accounts.CreateCameraKeyAsync(agencyId, cameraId, position, cancellationToken).ConfigureAwait(false);
        // The key id, never the key: the audit log is read by auditors.
        (string, string)[] parameters = position is { } p
            ? [("agency", agencyId), ("camera", cameraId), ("keyId", made.KeyId), ("position", FormattableString.Invariant($"{p.Latitude},{p.Longitude}"))]
            : [("agency", agencyId), ("camera", cameraId), ("keyId", made.KeyId)];
        await RecordAsync("admin.create-camera-key", parameters, cancellationToken).ConfigureAwait(false);
        return made;
    }

    /// <summary>Revokes a camera key at once (a stolen or retired camera); its reads stay, its next request is refused.</summary>
    public async Task RevokeCameraKeyAsync(string keyId, CancellationToken cancellationToken) =>
        await RevokeCameraKeyAsync(keyId, null, cancellationToken).ConfigureAwait(false);

    /// <summary>Revokes a key of <paramref name="agency"/> only (when given); unknown or foreign keys are the same error.</summary>
    public async Task RevokeCameraKeyAsync(string keyId, string? agency, CancellationToken cancellationToken)
    {
        string owner = await accounts.RevokeCameraKeyAsync(keyId, agency, cancellationToken).ConfigureAwait(false);
        await RecordAsync("admin.revoke-camera-key", [("agency", owner), ("keyId", keyId)], cancellationToken).ConfigureAwait(false);
    }

    private Task<AuditEntry> RecordAsync(string action, (string Key, string Value)[] parameters, CancellationToken cancellationToken) =>
        audit.AppendAsync(new AuditRecord
        {
            Actor = actor.UserId,
            AgencyId = parameters.FirstOrDefault(p => p.Key == "agency").Value ?? actor.AgencyId,
            Role = actor.Role,
            Action = action,
            Source = source,
            Parameters = parameters.ToImmutableSortedDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        }, cancellationToken);
}
