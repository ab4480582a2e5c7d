using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Platewatch.Query;

namespace Platewatch.Server.Analytics;

/// <summary>What a revocation did: the approval is now revoked, it was already, or the agency has no such approval.</summary>
internal enum RevokeOutcome
{
    Revoked,
    AlreadyRevoked,
    NotFound,
}

internal sealed record ApprovalRevocation(RevokeOutcome Outcome, AnalysisApproval? Approval);

/// <summary>
/// Supervisors' approvals of intrusive analyses, in the accounts database (<c>analysis_approvals</c>). An approval
/// covers one case of one agency, optionally only some analyses, until it expires or a supervisor revokes it; the
/// analytics gate looks it up. The server and the CLI (server stopped) open the same database.
/// </summary>
internal sealed class ApprovalStore : IAnalysisApprovals
{
    private const string Columns = "id, agency, approved_by, case_number, tier, kinds, expires_ms, created_ms, revoked_ms, revoked_by";

    private readonly string _file;
    private readonly string _connectionString;
    private readonly Lock _schemaLock = new();
    private volatile bool _ready;

    /// <summary>Touches nothing on disk: the database and its table are made on the first write or read of a database that exists.</summary>
    public ApprovalStore(string dataDirectory)
    {
        _file = Path.Combine(dataDirectory, "accounts", "accounts.db");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = _file, Pooling = true }.ToString();
    }

    private SqliteConnection Open()
    {
        if (!_ready) EnsureSchema();
        var c = new SqliteConnection(_connectionString);
        c.Open();
        return c;
    }

    private void EnsureSchema()
    {
        lock (_schemaLock)
        {
            if (_ready) return;
            Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
            using var c = new SqliteConnection(_connectionString);
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE IF NOT EXISTS analysis_approvals (
                    id TEXT PRIMARY KEY, agency TEXT NOT NULL, approved_by TEXT NOT NULL, case_number TEXT NOT NULL,
                    tier TEXT NOT NULL, kinds TEXT NOT NULL, expires_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,
                    revoked_ms INTEGER, revoked_by TEXT);
                """;
            cmd.ExecuteNonQuery();
            // Revocation came after the first release: older account databases gain its columns in place.
            using var cols = c.CreateCommand();
            cols.CommandText = "SELECT count(*) FROM pragma_table_info('analysis_approvals') WHERE name = 'revoked_ms'";
            if (Convert.ToInt64(cols.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            {
                using var alter = c.CreateCommand();
                alter.CommandText = "ALTER TABLE analysis_approvals ADD COLUMN revoked_ms INTEGER; ALTER TABLE analysis_approvals ADD COLUMN revoked_by TEXT;";
                try
                {
                    alter.ExecuteNonQuery();
                }
                catch (SqliteException ex) when (ex.Message.Contains("duplicate column", StringComparison.OrdinalIgnoreCase))
                {
                    // Another process upgraded the table between the check and the change.
                }
            }
            using var index = c.CreateCommand();
            index.CommandText = "CREATE INDEX IF NOT EXISTS analysis_approvals_agency ON analysis_approvals (agency, created_ms)";
            index.ExecuteNonQuery();
            _ready = true;
        }
    }

    public async Task<AnalysisApproval> CreateAsync(string agency, string approvedBy, string caseNumber, ApprovalTier tier, ImmutableArray<AnalysisKind> kinds, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var created = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        var approval = new AnalysisApproval("apr_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), agency, approvedBy, caseNumber, tier, expiresAt, kinds) { CreatedAt = created };
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT INTO analysis_approvals (id, agency, approved_by, case_number, tier, kinds, expires_ms, created_ms) VALUES ($id, $agency, $by, $case, $tier, $kinds, $exp, $now)";
        cmd.Parameters.AddWithValue("$id", approval.Id);
        cmd.Parameters.AddWithValue("$agency", agency);
        cmd.Parameters.AddWithValue("$by", approvedBy);
        cmd.Parameters.AddWithValue("$case", caseNumber);
        cmd.Parameters.AddWithValue("$tier", tier.ToString());
        cmd.Parameters.AddWithValue("$kinds", string.Join(',', kinds.Select(AnalysisRequest.Name)));
        cmd.Parameters.AddWithValue("$exp", expiresAt.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$now", created.ToUnixTimeMilliseconds());
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return approval;
    }

    public async Task<AnalysisApproval?> FindAsync(string id, CancellationToken cancellationToken)
    {
        // A data directory that never had an account database has no approvals; do not create one to say so.
        if (!_ready && !File.Exists(_file)) return null;
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM analysis_approvals WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await r.ReadAsync(cancellationToken).ConfigureAwait(false) ? Row(r) : null;
    }

    /// <summary>An agency's approvals, newest first, optionally of one case; at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<AnalysisApproval>> ListAsync(string agency, string? caseNumber, int limit, CancellationToken cancellationToken)
    {
        if (!_ready && !File.Exists(_file)) return [];
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM analysis_approvals WHERE agency = $agency AND ($case IS NULL OR case_number = $case) ORDER BY created_ms DESC, id DESC LIMIT $limit";
        cmd.Parameters.AddWithValue("$agency", agency);
        cmd.Parameters.AddWithValue("$case", (object?)caseNumber ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$limit", limit);
        var list = new List<AnalysisApproval>(Math.Min(limit, 256));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false)) list.Add(Row(r));
        return list;
    }

    /// <summary>
    /// Revokes an approval of <paramref name="agency"/>; the first revocation stands (who and when are never
    /// overwritten). Another agency's approval is <see cref="RevokeOutcome.NotFound"/>, as an unknown id is.
    /// </summary>
    public async Task<ApprovalRevocation> RevokeAsync(string agency, string id, string revokedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        int changed;
        await using (var c = Open())
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE analysis_approvals SET revoked_ms = $now, revoked_by = $by WHERE id = $id AND agency = $agency AND revoked_ms IS NULL";
            cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$by", revokedBy);
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$agency", agency);
            changed = await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var approval = await FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (approval is null || !string.Equals(approval.AgencyId, agency, StringComparison.Ordinal))
            return new ApprovalRevocation(RevokeOutcome.NotFound, null);
        return new ApprovalRevocation(changed == 1 ? RevokeOutcome.Revoked : RevokeOutcome.AlreadyRevoked, approval);
    }

    private static AnalysisApproval Row(SqliteDataReader r)
    {
        string id = r.GetString(0);
        var kinds = r.GetString(5).Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(k => AnalysisRequest.TryParseKind(k, out var kind) ? kind : throw new InvalidOperationException($"Approval {id} names an unknown analysis '{k}'."))
            .ToImmutableArray();
        return new AnalysisApproval(id, r.GetString(1), r.GetString(2), r.GetString(3), Enum.Parse<ApprovalTier>(r.GetString(4)),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), kinds)
        {
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
            RevokedAt = r.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)),
            RevokedBy = r.IsDBNull(9) ? null : r.GetString(9),
        };
    }

    /// <summary>active, expired or revoked (a revoked approval stays revoked after it would have expired).</summary>
    public static string Status(AnalysisApproval approval, DateTimeOffset now) =>
        approval.RevokedAt is not null ? "revoked" : approval.ExpiresAt <= now ? "expired" : "active";

    public static string Describe(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
}
