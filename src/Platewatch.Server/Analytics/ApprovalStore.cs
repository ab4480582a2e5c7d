using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Platewatch.Query;

namespace Platewatch.Server.Analytics;

/// <summary>
/// Supervisors' approvals of intrusive analyses, in the accounts database (<c>analysis_approvals</c>). An approval
/// covers one case of one agency, optionally only some analyses, until it expires; the analytics gate looks it up.
/// </summary>
internal sealed class ApprovalStore : IAnalysisApprovals
{
    private readonly string _connectionString;

    public ApprovalStore(string dataDirectory)
    {
        string dir = Path.Combine(dataDirectory, "accounts");
        Directory.CreateDirectory(dir);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "accounts.db"), Pooling = true }.ToString();
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS analysis_approvals (
                id TEXT PRIMARY KEY, agency TEXT NOT NULL, approved_by TEXT NOT NULL, case_number TEXT NOT NULL,
                tier TEXT NOT NULL, kinds TEXT NOT NULL, expires_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL);
            """;
        cmd.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        return c;
    }

    public async Task<AnalysisApproval> CreateAsync(string agency, string approvedBy, string caseNumber, ApprovalTier tier, ImmutableArray<AnalysisKind> kinds, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var approval = new AnalysisApproval("apr_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), agency, approvedBy, caseNumber, tier, expiresAt, kinds);
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
        cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return approval;
    }

    public async Task<AnalysisApproval?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT agency, approved_by, case_number, tier, kinds, expires_ms FROM analysis_approvals WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await r.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        var kinds = r.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(k => AnalysisRequest.TryParseKind(k, out var kind) ? kind : throw new InvalidOperationException($"Approval {id} names an unknown analysis '{k}'."))
            .ToImmutableArray();
        return new AnalysisApproval(id, r.GetString(0), r.GetString(1), r.GetString(2), Enum.Parse<ApprovalTier>(r.GetString(3)),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)), kinds);
    }

    public static string Describe(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
}
