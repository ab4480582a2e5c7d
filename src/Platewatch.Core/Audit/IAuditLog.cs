using System.Collections.Immutable;

namespace Platewatch.Audit;

/// <summary>
/// Who looked at what, and why. Every search, export and image view is appended here before its result is
/// released. Implementations must be append-only and tamper-evident.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends durably and returns the sealed entry; throws if the entry cannot be made durable,
    /// in which case the caller must not release the result.</summary>
    Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken);

    IAsyncEnumerable<AuditEntry> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>What happened. <see cref="Outcome"/> is "ok", "denied" or "error".</summary>
public sealed record AuditRecord
{
    public required string Actor { get; init; }
    public required string AgencyId { get; init; }
    public required string Role { get; init; }
    public required string Action { get; init; }
    public string Outcome { get; init; } = "ok";
    public string? Purpose { get; init; }
    public string? PurposeText { get; init; }
    public string? CaseNumber { get; init; }
    public string? Source { get; init; }
    public ImmutableSortedDictionary<string, string> Parameters { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public long? ResultCount { get; init; }
    public ImmutableArray<string> RecordIds { get; init; } = [];
    public string? Detail { get; init; }
}

/// <summary>A record as sealed into the chain: its position, time, and the hash linking it to the entry before.</summary>
public sealed record AuditEntry(long Sequence, DateTimeOffset At, AuditRecord Record, string PreviousHash, string Hash);
