using System.Globalization;
using Microsoft.Data.Sqlite;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Accounts;

internal sealed record Agency(string Id, string Name);

internal sealed record UserAccount(string Username, string AgencyId, string Role);

/// <summary>A camera's key as authenticated; the position is the camera's configured place, for formats that carry none.</summary>
internal sealed record CameraKey(string KeyId, string AgencyId, string CameraId, double? Latitude = null, double? Longitude = null);

internal enum SignInFailure
{
    None,
    UnknownUser,
    BadPassword,
    LockedOut,
}

internal sealed record SignInResult(SignInFailure Failure, UserAccount? User, string? Token, DateTimeOffset ExpiresAt);

/// <summary>
/// Agencies, users, camera keys and bearer tokens in SQLite (<c>DIR/accounts/accounts.db</c>). Passwords are
/// PBKDF2 hashes; tokens and camera keys are stored only as HMACs under the server key.
/// </summary>
internal sealed class AccountStore
{
    public const int MaxNameLength = 64;
    public const int MaxPasswordLength = 256;
    private const string TokenPrefix = "pwt_";
    private const string CameraKeyPrefix = "pwc_";

    private readonly string _connectionString;
    private readonly SecretKeyring _keyring;
    private readonly AccountOptions _options;
    private readonly TimeProvider _time;

    // Burns the same PBKDF2 time for an unknown user as for a known one, so timing does not reveal who exists.
    private readonly Lazy<string> _dummyHash;

    /// <summary>
    /// The agencies registered in a data directory, read without opening the store for writing, so the embedded
    /// CLI gives them the same default policy the server does. Empty when no account database exists.
    /// </summary>
    public static IReadOnlyList<string> AgencyIds(string dataDirectory)
    {
        string file = Path.Combine(dataDirectory, "accounts", "accounts.db");
        if (!File.Exists(file)) return [];
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id FROM agencies ORDER BY id";
        using var r = cmd.ExecuteReader();
        var ids = new List<string>();
        while (r.Read()) ids.Add(r.GetString(0));
        return ids;
    }

    public AccountStore(string dataDirectory, AccountOptions options, TimeProvider? time = null)
    {
        string dir = Path.Combine(dataDirectory, "accounts");
        Directory.CreateDirectory(dir);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "accounts.db"), Pooling = true }.ToString();
        _keyring = SecretKeyring.LoadOrCreate(dir);
        _options = options;
        _time = time ?? TimeProvider.System;
        _dummyHash = new Lazy<string>(() => Secrets.HashPassword("not-a-password", options.PasswordIterations));
        Initialise();
    }

    private void Initialise()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            CREATE TABLE IF NOT EXISTS agencies (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS users (
                username TEXT PRIMARY KEY, agency TEXT NOT NULL REFERENCES agencies(id), role TEXT NOT NULL,
                password TEXT NOT NULL, failed INTEGER NOT NULL DEFAULT 0, locked_until_ms INTEGER NOT NULL DEFAULT 0,
                created_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS camera_keys (
                key_mac TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE, agency TEXT NOT NULL REFERENCES agencies(id),
                camera TEXT NOT NULL, created_ms INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS tokens (
                token_mac TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username), expires_ms INTEGER NOT NULL);
            """;
        cmd.ExecuteNonQuery();
        // Added after the first release: older account databases gain the camera position columns in place.
        using var cols = c.CreateCommand();
        cols.CommandText = "SELECT count(*) FROM pragma_table_info('camera_keys') WHERE name = 'lat'";
        if (Convert.ToInt64(cols.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            using var alter = c.CreateCommand();
            alter.CommandText = "ALTER TABLE camera_keys ADD COLUMN lat REAL; ALTER TABLE camera_keys ADD COLUMN lon REAL;";
            alter.ExecuteNonQuery();
        }
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        using var fk = c.CreateCommand();
        fk.CommandText = "PRAGMA foreign_keys=ON;";
        fk.ExecuteNonQuery();
        return c;
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public static void ValidateName(string value, string what)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxNameLength || !value.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' or ':' or '@'))
            throw new ArgumentException($"The {what} must be 1-{MaxNameLength} characters of letters, digits, '-', '_', '.', ':' or '@'; got '{Clip(value)}'.");
    }

    public async Task CreateAgencyAsync(string id, string name, CancellationToken cancellationToken)
    {
        ValidateName(id, "agency id");
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200) throw new ArgumentException("The agency name must be 1-200 characters.");
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT INTO agencies (id, name, created_ms) VALUES ($id, $name, $now)";
        cmd.Parameters.AddWithValue("$id", id);
        cmd.Parameters.AddWithValue("$name", name);
        cmd.Parameters.AddWithValue("$now", NowMs);
        try
        {
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            throw new InvalidOperationException($"Agency '{id}' already exists.", ex);
        }
    }

    public async Task<IReadOnlyList<Agency>> ListAgenciesAsync(CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, name FROM agencies ORDER BY id";
        var list = new List<Agency>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false)) list.Add(new Agency(r.GetString(0), r.GetString(1)));
        return list;
    }

    public async Task CreateUserAsync(string agencyId, string username, string role, string password, CancellationToken cancellationToken)
    {
        ValidateName(username, "user name");
        if (!Roles.IsUserRole(role)) throw new ArgumentException($"Role '{Clip(role)}' is not one of {string.Join(", ", Roles.UserRoles)} (cameras get an API key instead).");
        if (password.Length is < 12 or > MaxPasswordLength) throw new ArgumentException($"The password must be 12-{MaxPasswordLength} characters.");
        await RequireAgencyAsync(agencyId, cancellationToken).ConfigureAwait(false);
        string hash = Secrets.HashPassword(password, _options.PasswordIterations);
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT INTO users (username, agency, role, password, created_ms) VALUES ($u, $a, $r, $p, $now)";
        cmd.Parameters.AddWithValue("$u", username);
        cmd.Parameters.AddWithValue("$a", agencyId);
        cmd.Parameters.AddWithValue("$r", role);
        cmd.Parameters.AddWithValue("$p", hash);
        cmd.Parameters.AddWithValue("$now", NowMs);
        try
        {
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            throw new InvalidOperationException($"User '{username}' already exists.", ex);
        }
    }

    /// <summary>Makes a key bound to one camera of one agency and returns it; only its HMAC is kept, so it is shown once.</summary>
    public async Task<(string KeyId, string Key)> CreateCameraKeyAsync(string agencyId, string cameraId, CancellationToken cancellationToken) =>
        await CreateCameraKeyAsync(agencyId, cameraId, null, cancellationToken).ConfigureAwait(false);

    /// <summary>As above, with the camera's fixed position, used for reads whose format carries no GPS.</summary>
    public async Task<(string KeyId, string Key)> CreateCameraKeyAsync(string agencyId, string cameraId, Geo.GeoPoint? position, CancellationToken cancellationToken)
    {
        ValidateName(cameraId, "camera id");
        if (position is { } pos && (pos.Latitude is < -90 or > 90 || pos.Longitude is < -180 or > 180 || double.IsNaN(pos.Latitude) || double.IsNaN(pos.Longitude)))
            throw new ArgumentException($"The camera position {pos.Latitude},{pos.Longitude} is not a latitude in [-90, 90] and a longitude in [-180, 180].");
        await RequireAgencyAsync(agencyId, cancellationToken).ConfigureAwait(false);
        string key = Secrets.NewSecret(CameraKeyPrefix);
        string keyId = key.Substring(CameraKeyPrefix.Length, 8);
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT INTO camera_keys (key_mac, key_id, agency, camera, created_ms, lat, lon) VALUES ($mac, $id, $a, $cam, $now, $lat, $lon)";
        cmd.Parameters.AddWithValue("$lat", position is { } at ? at.Latitude : DBNull.Value);
        cmd.Parameters.AddWithValue("$lon", position is { } at2 ? at2.Longitude : DBNull.Value);
        cmd.Parameters.AddWithValue("$mac", _keyring.Mac(key));
        cmd.Parameters.AddWithValue("$id", keyId);
        cmd.Parameters.AddWithValue("$a", agencyId);
        cmd.Parameters.AddWithValue("$cam", cameraId);
        cmd.Parameters.AddWithValue("$now", NowMs);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return (keyId, key);
    }

    /// <summary>Marks the key revoked and returns its agency; an unknown key id is an error naming it.</summary>
    public async Task<string> RevokeCameraKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE camera_keys SET revoked = 1 WHERE key_id = $id RETURNING agency";
        cmd.Parameters.AddWithValue("$id", keyId);
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string
            ?? throw new ArgumentException($"No camera key has the id '{Clip(keyId)}'; the id is the 8 characters after 'pwc_' that create-camera-key printed.");
    }

    public async Task<SignInResult> SignInAsync(string username, string password, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (username.Length > MaxNameLength || password.Length > MaxPasswordLength) return Failed(SignInFailure.UnknownUser);
        await using var c = Open();
        string? agency = null, role = null, hash = null;
        long lockedUntil = 0;
        int failed = 0;
        await using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT agency, role, password, failed, locked_until_ms FROM users WHERE username = $u";
            cmd.Parameters.AddWithValue("$u", username);
            await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                (agency, role, hash, failed, lockedUntil) = (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt64(4));
            }
        }
        if (hash is null)
        {
            Secrets.VerifyPassword(password, _dummyHash.Value);
            return Failed(SignInFailure.UnknownUser);
        }
        var user = new UserAccount(username, agency!, role!);
        if (lockedUntil > now.ToUnixTimeMilliseconds()) return Failed(SignInFailure.LockedOut) with { User = user };
        if (!Secrets.VerifyPassword(password, hash))
        {
            failed++;
            bool lockNow = failed >= _options.MaxFailedSignIns;
            await using var upd = c.CreateCommand();
            upd.CommandText = "UPDATE users SET failed = $f, locked_until_ms = $l WHERE username = $u";
            upd.Parameters.AddWithValue("$f", lockNow ? 0 : failed);
            upd.Parameters.AddWithValue("$l", lockNow ? now.AddMinutes(_options.LockoutMinutes).ToUnixTimeMilliseconds() : 0);
            upd.Parameters.AddWithValue("$u", username);
            await upd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return Failed(lockNow ? SignInFailure.LockedOut : SignInFailure.BadPassword) with { User = user };
        }
        string token = Secrets.NewSecret(TokenPrefix);
        var expires = now.AddMinutes(_options.TokenLifetimeMinutes);
        await using (var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                UPDATE users SET failed = 0, locked_until_ms = 0 WHERE username = $u;
                DELETE FROM tokens WHERE expires_ms <= $now;
                INSERT INTO tokens (token_mac, username, expires_ms) VALUES ($mac, $u, $exp);
                """;
            cmd.Parameters.AddWithValue("$u", username);
            cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$mac", _keyring.Mac(token));
            cmd.Parameters.AddWithValue("$exp", expires.ToUnixTimeMilliseconds());
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        return new SignInResult(SignInFailure.None, user, token, expires);

        static SignInResult Failed(SignInFailure why) => new(why, null, null, default);
    }

    /// <summary>The token's user and when the token expires (a long-lived response, such as the live feed, ends then).</summary>
    public async Task<(UserAccount User, DateTimeOffset ExpiresAt)?> AuthenticateTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100) return null;
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT u.username, u.agency, u.role, t.expires_ms FROM tokens t JOIN users u ON u.username = t.username WHERE t.token_mac = $mac AND t.expires_ms > $now";
        cmd.Parameters.AddWithValue("$mac", _keyring.Mac(token));
        cmd.Parameters.AddWithValue("$now", NowMs);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await r.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (new UserAccount(r.GetString(0), r.GetString(1), r.GetString(2)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)))
            : null;
    }

    public async Task<UserAccount?> FindUserAsync(string username, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT username, agency, role FROM users WHERE username = $u";
        cmd.Parameters.AddWithValue("$u", username);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await r.ReadAsync(cancellationToken).ConfigureAwait(false) ? new UserAccount(r.GetString(0), r.GetString(1), r.GetString(2)) : null;
    }

    public async Task<CameraKey?> AuthenticateCameraKeyAsync(string key, CancellationToken cancellationToken)
    {
        if (!key.StartsWith(CameraKeyPrefix, StringComparison.Ordinal) || key.Length > 100) return null;
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT key_id, agency, camera, lat, lon FROM camera_keys WHERE key_mac = $mac AND revoked = 0";
        cmd.Parameters.AddWithValue("$mac", _keyring.Mac(key));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await r.ReadAsync(cancellationToken).ConfigureAwait(false) ? new CameraKey(r.GetString(0), r.GetString(1), r.GetString(2),
            r.IsDBNull(3) ? null : r.GetDouble(3), r.IsDBNull(4) ? null : r.GetDouble(4)) : null;
    }

    private async Task RequireAgencyAsync(string agencyId, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT 1 FROM agencies WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", agencyId);
        if (await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            throw new InvalidOperationException($"Agency '{Clip(agencyId)}' does not exist; create it first with 'platewatch admin create-agency'.");
    }

    private static string Clip(string s) => s.Length <= 40 ? s : string.Concat(s.AsSpan(0, 40), "...");

    public static string Describe(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("O", CultureInfo.InvariantCulture);
}
