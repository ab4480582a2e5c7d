using System.Collections.Immutable;
using System.Text.Json;
using Platewatch.Audit;
using Platewatch.Query;
using Platewatch.Server.Accounts;
using Platewatch.Storage.DuckDb;

namespace Platewatch.Server.Hosting;

/// <summary>
/// An opened data directory, as the server (or an admin command) holds it: an exclusive lock, the read store,
/// the audit log and the accounts. Layout: DIR/store, DIR/audit, DIR/accounts, DIR/platewatch.json.
/// </summary>
internal sealed class DataDirectory : IAsyncDisposable
{
    private static readonly JsonSerializerOptions ConfigJson = new(JsonSerializerDefaults.Web);
    private readonly FileStream _lock;
    private DuckDbReadStore? _store;
    private int _disposed;

    private readonly FileAuditLog _auditFile;

    private DataDirectory(string path, FileStream lockFile, FileAuditLog audit, AccountStore accounts)
    {
        Path = path;
        _lock = lockFile;
        _auditFile = audit;
        Audit = new MeteredAuditLog(audit);
        Accounts = accounts;
    }

    public string Path { get; }

    public IAuditLog Audit { get; }

    public AccountStore Accounts { get; }

    /// <summary>Opened on first use, so admin commands do not pay for the store.</summary>
    private Analytics.ApprovalStore? _approvals;

    public DuckDbReadStore Store => _store ??= DuckDbReadStore.Open(System.IO.Path.Combine(Path, "store"));

    /// <summary>
    /// Takes the directory for this process. The audit chain has one writer, so a second server, or an admin
    /// command while the server runs, is refused rather than allowed to fork the chain.
    /// </summary>
    public static DataDirectory Open(string path, AccountOptions accountOptions, int auditCheckpointEvery = 1000)
    {
        path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(path);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(System.IO.Path.Combine(path, "platewatch.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"The data directory {path} is in use by another Platewatch process (a running server?). Stop it first.", ex);
        }
        try
        {
            return new DataDirectory(path, lockFile, new FileAuditLog(System.IO.Path.Combine(path, "audit"), checkpointEvery: auditCheckpointEvery), new AccountStore(path, accountOptions));
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The policies to search under: those written in platewatch.json, plus the default (no sharing, default
    /// purposes) for every agency that has none, so a new agency is isolated from the start.
    /// </summary>
    public async Task<ImmutableArray<DataPolicy>> LoadPoliciesAsync(CancellationToken cancellationToken)
    {
        var configured = new Dictionary<string, DataPolicy>(StringComparer.Ordinal);
        string file = System.IO.Path.Combine(Path, "platewatch.json");
        if (File.Exists(file))
        {
            await using var fs = File.OpenRead(file);
            using var doc = await JsonDocument.ParseAsync(fs, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (doc.RootElement.TryGetProperty("policies", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var p in list.EnumerateArray())
                {
                    var policy = p.Deserialize<DataPolicy>(ConfigJson) ?? throw new InvalidOperationException($"{file}: an empty policy.");
                    configured[policy.OwnerAgencyId] = policy;
                }
            }
        }
        foreach (var agency in await Accounts.ListAgenciesAsync(cancellationToken).ConfigureAwait(false))
        {
            configured.TryAdd(agency.Id, DataPolicy.DefaultFor(agency.Id));
        }
        return [.. configured.Values];
    }

    /// <summary>Supervisors' approvals of analyses, in the accounts database.</summary>
    public Analytics.ApprovalStore Approvals => _approvals ??= new Analytics.ApprovalStore(Path);

    public async Task<ReadQueryService> QueriesAsync(CancellationToken cancellationToken) =>
        new(Store, Audit, await LoadPoliciesAsync(cancellationToken).ConfigureAwait(false), null, Approvals);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_store is not null) await _store.DisposeAsync().ConfigureAwait(false);
        _auditFile.Dispose();
        await _lock.DisposeAsync().ConfigureAwait(false);
    }
}
